using System.Diagnostics;
using System.Globalization;
using EdgeMobileNet.Station.Tests.Support;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Availability as a dashboard sees it: `online`, `stopped` on SIGTERM, the will `offline` on kill -9.</summary>
public sealed class ProcessLifecycleTests
{
    private static string[] Args(int port, string id) =>
    [
        "run", .. TestModels.ZooArgs,
        "--station-id", id,
        "--mqtt-host", "127.0.0.1", "--mqtt-port", port.ToString(CultureInfo.InvariantCulture),
        "--Source:Kind", "synthetic", "--Source:Rate", "30",
        "--Trigger:Kind", "continuous", "--Trigger:Rate", "10",
        "--Decision:Rules:0:Class", "0", "--Decision:Rules:0:Verdict", "reject", "--Decision:Default", "pass",
        "--Outputs:0:Pin", "17", "--Outputs:0:Verdict", "reject",
        "--Gpio:Driver", "simulated",
    ];

    [Fact]
    public async Task Sigterm_publishes_stopped_and_exits_cleanly_within_two_seconds()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/term1/#");
        using var station = StationProcess.Start(Args(broker.Port, "term1"));
        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/term1/event").Count >= 3 || station.HasExited, TimeSpan.FromSeconds(60)) && !station.HasExited,
            "no events\n" + station.Stderr);

        var signalled = Stopwatch.StartNew();
        station.Terminate();
        var code = await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var exitTime = signalled.Elapsed;

        Assert.Equal(0, code);
        Assert.True(exitTime < TimeSpan.FromSeconds(2), $"exit took {exitTime.TotalMilliseconds:0} ms");
        Assert.True(await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/term1/available").Contains("stopped"), TimeSpan.FromSeconds(5)));
        Assert.Equal(["online", "stopped"], recorder.Payloads("edgemobilenet/term1/available"));

        // Every classification counted in the final state was delivered as an event first.
        var state = System.Text.Json.JsonDocument.Parse(recorder.Payloads("edgemobilenet/term1/state")[^1]).RootElement;
        Assert.Equal("stopped", state.GetProperty("status").GetString());
        Assert.Equal(recorder.Payloads("edgemobilenet/term1/event").Count, state.GetProperty("classified").GetInt64());

        // A late subscriber sees the retained availability.
        await using var late = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/term1/available");
        Assert.True(await late.WaitForAsync(r => r.Messages.Count > 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(("edgemobilenet/term1/available", "stopped", true), late.Messages[0]);
    }

    [Fact]
    public async Task Kill_9_makes_the_broker_publish_the_will_offline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/kill1/available");
        using var station = StationProcess.Start(Args(broker.Port, "kill1"));
        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/kill1/available").Contains("online") || station.HasExited, TimeSpan.FromSeconds(60)) && !station.HasExited,
            "never online\n" + station.Stderr);

        station.KillHard();
        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/kill1/available").Contains("offline"), TimeSpan.FromSeconds(15)),
            "no will");
        Assert.Equal(["online", "offline"], recorder.Payloads("edgemobilenet/kill1/available"));
    }
}
