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
        await Task.Delay(500, TestContext.Current.CancellationToken); // frames flowing

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
}
