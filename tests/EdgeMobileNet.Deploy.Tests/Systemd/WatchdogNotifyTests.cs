using EdgeMobileNet.Deploy.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Systemd;

/// <summary>
/// The real executable against a fake service manager: a datagram socket in NOTIFY_SOCKET and WATCHDOG_USEC=1 s.
/// Frames come from a pipe command the test can freeze with SIGSTOP, which is exactly a camera that hangs.
/// </summary>
public sealed class WatchdogNotifyTests
{
    private static readonly TimeSpan WatchdogTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Ping = WatchdogTimeout / 2;

    [Theory]
    [InlineData("continuous")]
    [InlineData("gpio")] // no trigger ever fires: idle by design, still alive while the camera delivers
    public async Task PingsWhileFramesFlow_StopsWhenTheCameraStalls_ResumesAfter(string trigger)
    {
        var dir = TestAssets.NewTempDir();
        var pidFile = Path.Combine(dir, "producer.pid");
        using var listener = new NotifyListener(Path.Combine(dir, "notify.sock"));
        // 160x120 I420 frames (28,800 bytes) at about 20 per second from a shell loop whose pid the test knows.
        var producer = $"echo $$ > '{pidFile}'; while :; do head -c 28800 /dev/zero; sleep 0.05; done";
        using var station = ChildProcess.Start(
            ChildProcess.Edgemobilenet,
            [
                "run", "--demo",
                "--Source:Kind", "pipe", "--Source:Command", producer, "--Source:PixelFormat", "I420",
                "--Source:Width", "160", "--Source:Height", "120",
                "--Trigger:Kind", trigger, "--Mqtt:Enabled", "false",
            ],
            new Dictionary<string, string>
            {
                ["NOTIFY_SOCKET"] = listener.Path,
                ["WATCHDOG_USEC"] = ((long)WatchdogTimeout.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["XDG_CACHE_HOME"] = dir,
            });

        Assert.True(await listener.WaitForAsync("READY=1", 1, TimeSpan.FromSeconds(60)), Failure("no READY=1", listener, station));
        Assert.Equal("READY=1", listener.Messages[0].State);

        // Flowing: pings at half of WATCHDOG_USEC.
        var flowing = listener.Now;
        Assert.True(await listener.WaitForAsync("WATCHDOG=1", 5, TimeSpan.FromSeconds(15), flowing), Failure("no pings while frames flow", listener, station));
        var gaps = Gaps(listener, flowing);
        var median = gaps.Order().ElementAt(gaps.Count / 2);
        Assert.InRange(median, Ping * 0.7, Ping * 1.5);
        if (trigger == "continuous")
        {
            Assert.Contains("→", station.Stdout); // frames were classified, which is what fed the pings
        }
        else
        {
            Assert.DoesNotContain("→", station.Stdout); // nothing classified: the pings came from an idle, live loop
        }

        // Stalled: the first period after the stop may still have seen frames; after that, silence.
        var producerPid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Signal.Send("STOP", producerPid);
        await Task.Delay(Ping * 3, TestContext.Current.CancellationToken);
        var stalled = listener.Now;
        await Task.Delay(Ping * 5, TestContext.Current.CancellationToken);
        Assert.True(listener.Count("WATCHDOG=1", stalled) == 0, Failure("pinged while the camera was stalled", listener, station));
        Assert.Contains("made no progress", station.Stderr);
        Assert.Contains("NoFrames", station.Stderr);

        // Recovered: frames flow again, so do the pings.
        Signal.Send("CONT", producerPid);
        var resumed = listener.Now;
        Assert.True(await listener.WaitForAsync("WATCHDOG=1", 2, TimeSpan.FromSeconds(10), resumed), Failure("no pings after the camera recovered", listener, station));

        // Shutdown as systemd does it: SIGTERM, STOPPING=1, clean exit.
        Signal.Send("TERM", station.Id);
        Assert.Equal(0, await station.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(await listener.WaitForAsync("STOPPING=1", 1, TimeSpan.FromSeconds(2)), Failure("no STOPPING=1", listener, station));
        var stopping = listener.Messages.First(m => m.State == "STOPPING=1").At;
        Assert.Equal(0, listener.Count("WATCHDOG=1", stopping + TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task WithoutAWatchdog_OnlyReadyAndStopping()
    {
        var dir = TestAssets.NewTempDir();
        using var listener = new NotifyListener(Path.Combine(dir, "notify.sock"));
        var (code, _, stderr) = await ChildProcess.RunAsync(
            ChildProcess.Edgemobilenet,
            ["run", "--demo", "--max-frames", "5", "--Mqtt:Enabled", "false"],
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = listener.Path, ["XDG_CACHE_HOME"] = dir });

        Assert.True(code == 0, stderr);
        Assert.True(await listener.WaitForAsync("STOPPING=1", 1, TimeSpan.FromSeconds(2)), listener.Describe());
        Assert.Equal(["READY=1", "STOPPING=1"], listener.Messages.Select(m => m.State));
    }

    [Fact]
    public async Task MalformedWatchdogUsec_IsOneLineNamingTheVariable()
    {
        var dir = TestAssets.NewTempDir();
        using var listener = new NotifyListener(Path.Combine(dir, "notify.sock"));
        var (code, _, stderr) = await ChildProcess.RunAsync(
            ChildProcess.Edgemobilenet,
            ["run", "--demo", "--max-frames", "1", "--Mqtt:Enabled", "false"],
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = listener.Path, ["WATCHDOG_USEC"] = "20s", ["XDG_CACHE_HOME"] = dir });

        Assert.Equal(2, code);
        Assert.Equal("edgemobilenet: WATCHDOG_USEC: not a positive number of microseconds: '20s'", stderr.Trim());
        Assert.Equal(0, listener.Count("READY=1"));
    }

    private static List<TimeSpan> Gaps(NotifyListener listener, TimeSpan since)
    {
        var times = listener.Messages.Where(m => m.State == "WATCHDOG=1" && m.At >= since).Select(m => m.At).ToList();
        return [.. times.Zip(times.Skip(1), (a, b) => b - a)];
    }

    private static string Failure(string what, NotifyListener listener, ChildProcess station) =>
        $"{what}; notifications: [{listener.Describe()}]; stderr:\n{station.Stderr}";
}
