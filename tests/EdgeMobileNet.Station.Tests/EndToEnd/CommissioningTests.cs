using System.Globalization;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Setting a station up on the bench: simulated GPIO that can be driven and watched, labels as `classify`
/// reads them.</summary>
public sealed class CommissioningTests
{
    [Fact]
    public async Task The_simulated_trigger_pin_can_be_driven_over_mqtt_and_output_changes_are_logged()
    {
        var port = FreePort.Next();
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--station-id", "bench1", "--Mqtt:Port", port.ToString(CultureInfo.InvariantCulture),
            "--Source:Rate", "30", "--Trigger:Kind", "gpio", "--Trigger:Pin", "4",
            "--Decision:Default", "pass", "--Decision:Rules:0:Class", "red", "--Decision:Rules:0:Verdict", "pass",
            "--Outputs:0:Pin", "17", "--Outputs:0:Verdict", "pass", "--Outputs:0:Mode", "level",
            "--Gpio:Driver", "simulated",
        ]);
        await FreePort.WaitListeningAsync(port, TimeSpan.FromSeconds(60));
        await using var recorder = await MqttRecorder.StartAsync(port, "edgemobilenet/bench1/event");
        await WaitSubscribedAsync(port, "bench1");

        await recorder.PublishAsync("edgemobilenet/bench1/cmd/gpio/4", "pulse");
        Assert.True(await recorder.WaitForAsync(r => r.Messages.Count >= 1, TimeSpan.FromSeconds(20)), station.Stderr);
        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));

        var e = StationEvent.Parse(recorder.Payloads("edgemobilenet/bench1/event")[0]);
        Assert.Equal("gpio", e.Trigger);
        Assert.Equal("pass", e.Verdict);
        Assert.Contains("Simulated GPIO input pin 4: pulse (cmd/gpio)", station.Stderr);
        Assert.Contains("GPIO output pin 17 -> high (level output, verdict pass)", station.Stderr);
        Assert.Contains("GPIO output pin 17 -> low (safe level)", station.Stderr);
    }

    [Fact]
    public async Task The_gpio_verb_pulses_and_watches_a_running_stations_simulated_pins()
    {
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--station-id", "bench2", "--Mqtt:Port", port,
            "--Source:Rate", "30", "--Trigger:Kind", "gpio", "--Trigger:Pin", "4", "--Decision:Default", "pass",
            "--Decision:Rules:0:Class", "red", "--Decision:Rules:0:Verdict", "pass",
            "--Outputs:0:Pin", "17", "--Outputs:0:Verdict", "pass", "--Outputs:0:Mode", "pulse", "--Outputs:0:PulseMs", "100",
            "--Gpio:Driver", "simulated",
        ]);
        await FreePort.WaitListeningAsync(int.Parse(port, CultureInfo.InvariantCulture), TimeSpan.FromSeconds(60));
        await WaitSubscribedAsync(int.Parse(port, CultureInfo.InvariantCulture), "bench2");
        string[] where = ["--driver", "simulated", "--mqtt-port", port, "--station-id", "bench2"];
        using var watch = StationProcess.Start(["gpio", "watch", "--pin", "17", "--seconds", "8", .. where]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!watch.Stdout.Contains("watching", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var (pulsed, _, pulseErr) = await StationProcess.RunAsync(["gpio", "pulse", "--pin", "4", .. where], TimeSpan.FromSeconds(30));
        Assert.True(pulsed == 0, pulseErr);
        Assert.Equal(0, await watch.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("Simulated GPIO input pin 4: pulse (cmd/gpio)", station.Stderr);
        Assert.Matches(@"pin 17 high \(edge\)[\s\S]*pin 17 low \(edge\)", watch.Stdout);
    }

    [Fact]
    public async Task The_gpio_verb_names_a_missing_libgpiod_chip()
    {
        Assert.SkipWhen(File.Exists("/dev/gpiochip0"), "this machine has a gpiochip");
        var (code, _, stderr) = await StationProcess.RunAsync(["gpio", "pulse", "--pin", "17"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.StartsWith("edgemobilenet: --chip: libgpiod: ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Run_reads_synset_labels_like_classify_so_a_rule_can_name_a_class()
    {
        var dir = TestImages.Folder(["dog.jpg"]);
        var (code, stdout, stderr) = await StationProcess.RunAsync(
        [
            "run", "--Model:Path", TestAssets.ZooInt8, "--Model:Labels", TestAssets.Synset, "--Model:Engine", "ort",
            "--Source:Kind", "files", "--Source:Path", dir, "--Source:Loop", "false", "--Source:Rate", "0", "--Source:Lossless", "true",
            "--Trigger:Rate", "0", "--Decision:Rules:0:Class", "Samoyed, Samoyede", "--Decision:Rules:0:Verdict", "reject",
            "--Decision:Default", "pass", "--Station:PrintEvents", "true", "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated",
        ], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Samoyed, Samoyede", line);
        Assert.Contains("→ reject", line);
        Assert.DoesNotContain("n02111889", line);
    }

    /// <summary>`state` is first published after the station subscribed to its commands (and frames flow).</summary>
    private static async Task WaitSubscribedAsync(int port, string station)
    {
        await using var state = await MqttRecorder.StartAsync(port, $"edgemobilenet/{station}/state");
        Assert.True(await state.WaitForAsync(r => r.Messages.Count > 0, TimeSpan.FromSeconds(30)), "no state");
    }
}
