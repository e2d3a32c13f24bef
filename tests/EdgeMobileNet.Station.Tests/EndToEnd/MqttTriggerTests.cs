using System.Globalization;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

public sealed class MqttTriggerTests
{
    [Fact]
    public async Task Each_cmd_trigger_message_classifies_one_frame_captured_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        var events = new RecordingOutbox();
        using var host = InProcessStation.Build(
        [
            .. TestModels.ZooArgs,
            "--Station:Id", "cmd1",
            "--Mqtt:Port", port.ToString(CultureInfo.InvariantCulture), // embedded broker
            "--Source:Kind", "synthetic", "--Source:Rate", "50",
            "--Trigger:Kind", "mqtt",
            "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
        ], events);
        await host.StartAsync(ct);
        await using var client = await MqttRecorder.StartAsync(port, "edgemobilenet/cmd1/event");
        // `state` is first published after the station subscribed to its commands: a trigger sent before would be lost.
        await using var state = await MqttRecorder.StartAsync(port, "edgemobilenet/cmd1/state");
        Assert.True(await state.WaitForAsync(r => r.Messages.Count > 0, TimeSpan.FromSeconds(30)), "no state");
        var slot = host.Services.GetRequiredService<Station.Frames.LatestFrameSlot>();

        var lastSeqBefore = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            lastSeqBefore.Add(slot.LastSequence);
            await client.PublishAsync("edgemobilenet/cmd1/cmd/trigger", "");
            await client.WaitForAsync(r => r.Messages.Count > i, TimeSpan.FromSeconds(30));
        }

        await host.StopAsync(ct);
        var received = client.Payloads("edgemobilenet/cmd1/event").Select(StationEvent.Parse).ToArray();
        Assert.Equal(10, received.Length);
        Assert.Equal(10, events.Events.Count);
        Assert.All(received, e => Assert.Equal("mqtt", e.Trigger));
        for (var i = 0; i < 10; i++)
        {
            // A frame newer than any published when the command was sent.
            Assert.True(received[i].FrameSeq > lastSeqBefore[i], $"trigger {i}: frame {received[i].FrameSeq} was already there");
        }

        Assert.Equal(10, host.Services.GetRequiredService<RunState>().Counters.Triggers);
    }
}
