using System.Diagnostics;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

/// <summary>The pipe source's command misbehaving: stalling mid-frame, a child that outlives it, a missing camera tool.</summary>
public sealed class PipeStallTests
{
    [Fact]
    public async Task A_command_that_stalls_mid_frame_is_noticed_and_restarted()
    {
        // Half a 160x120 I420 frame, then silence with the process alive.
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated",
            "--Source:Kind", "pipe", "--Source:Command", "head -c 14400 /dev/zero; sleep 60",
            "--Source:StallTimeoutMs", "1000", "--Source:RestartMinMs", "100",
        ]);
        var started = Stopwatch.StartNew();
        while (Count(station.Stderr, "Pipe source started pid") < 2 && started.Elapsed < TimeSpan.FromSeconds(30) && !station.HasExited)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Pipe source stalled: pid ", station.Stderr);
        Assert.Contains("delivered no complete frame in 1000 ms", station.Stderr);
        Assert.True(Count(station.Stderr, "Pipe source started pid") >= 2, station.Stderr);
    }

    [Fact]
    public async Task A_child_that_keeps_stderr_open_neither_delays_the_stop_nor_survives_it()
    {
        var pidFile = Path.Combine(TestAssets.NewTempDir(), "child.pid");
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated",
            "--Source:Kind", "pipe", "--Source:PixelFormat", "GRAY8",
            "--Source:Command", $"sleep 300 & echo $! > {pidFile}; while true; do head -c 19200 /dev/zero; sleep 0.05; done",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(pidFile) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{child}"), "the helper should be running");

        var stopping = Stopwatch.StartNew();
        station.Terminate();
        var code = await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, code);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(3), $"stop took {stopping.Elapsed.TotalMilliseconds:0} ms");
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(IsAlive(child), $"pid {child} survived the station");
    }

    [Fact]
    public async Task A_missing_camera_command_is_logged_by_default()
    {
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated",
            "--Source:Kind", "pipe", "--Source:Command", "rpicam-vid-not-installed -o -",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!station.Stderr.Contains("not found", StringComparison.Ordinal) && DateTime.UtcNow < deadline && !station.HasExited)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Matches("Pipe source stderr: .*rpicam-vid-not-installed.*not found", station.Stderr);
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
}
