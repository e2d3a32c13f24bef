using System.Globalization;
using EdgeMobileNet.Station.Tests.Support;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

public sealed class BrokerOutageTests
{
    [Fact]
    public async Task Events_produced_while_the_broker_is_down_arrive_after_it_returns_in_order_none_lost()
    {
        const int total = 160;
        await using var broker = await MosquittoBroker.StartAsync();
        // A persistent session: the broker keeps the subscription and queues QoS 1 messages across its restart.
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/out1/#", persistentSession: true);
        using var station = StationProcess.Start([
            "run", .. TestModels.ZooArgs,
            "--station-id", "out1",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--max-frames", total.ToString(CultureInfo.InvariantCulture),
            "--Mqtt:ReconnectMinMs", "100", "--Mqtt:ReconnectMaxMs", "1000",
            "--Source:Kind", "synthetic", "--Source:Rate", "20",
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
        ]);

        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/out1/event").Count >= 30 || station.HasExited, TimeSpan.FromSeconds(60)) && !station.HasExited,
            "no events\n" + station.Stderr);
        await broker.StopAsync();
        var down = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.False(station.HasExited, "the station died with the broker\n" + station.Stderr);
        var up = DateTimeOffset.UtcNow;
        await broker.StartAgainAsync();

        var code = await station.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"exit {code}\n{station.Stderr}");
        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/out1/event").Select(p => StationEvent.Parse(p).Number).Distinct().Count() >= total, TimeSpan.FromSeconds(20)),
            $"events missing: {Missing(recorder, total)}\n{station.Stderr}");

        // QoS 1 may redeliver the message in flight when the broker went away; first arrivals must be 1..N in order.
        var firsts = new List<StationEvent>();
        var seen = new HashSet<long>();
        foreach (var e in recorder.Payloads("edgemobilenet/out1/event").Select(StationEvent.Parse))
        {
            if (seen.Add(e.Number))
            {
                firsts.Add(e);
            }
        }

        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), firsts.Select(e => e.Number));
        Assert.True(firsts.Zip(firsts.Skip(1)).All(p => p.First.FrameSeq < p.Second.FrameSeq));
        var duringOutage = firsts.Count(e => e.Ts > down && e.Ts < up);
        Assert.True(duringOutage >= 50, $"only {duringOutage} events were produced during the 5 s outage");
    }

    private static string Missing(MqttRecorder recorder, int total)
    {
        var got = recorder.Payloads("edgemobilenet/out1/event").Select(p => StationEvent.Parse(p).Number).ToHashSet();
        return string.Join(", ", Enumerable.Range(1, total).Where(i => !got.Contains(i)));
    }
}
