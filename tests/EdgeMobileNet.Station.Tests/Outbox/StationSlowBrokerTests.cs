using System.Diagnostics;
using System.Globalization;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>The whole station (its host, default disk outbox) against a real mosquitto behind <see cref="DelayProxy"/>:
/// a slow link, and a broker that holds its PUBACKs; what delivery and the station's health do.</summary>
[Collection(OutboxProcessesCollection.Name)]
public sealed class StationSlowBrokerTests : IDisposable
{
    private const string Topic = "edgemobilenet/slow1/event";
    private readonly string _state = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Over_a_100_ms_round_trip_the_station_keeps_up_with_30_events_a_second_and_stays_running()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = DelayProxy.Start(broker.Port, TimeSpan.FromMilliseconds(50));
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, Topic);
        using var host = Build(proxy.Port);
        var (run, store, health) = Watch(host);
        await host.StartAsync(ct);
        Assert.True(await recorder.WaitForAsync(r => r.Messages.Count > 0, TimeSpan.FromSeconds(60)), "no events");

        var lag = TimeSpan.Zero;
        var start = store.Backlog.LastSequence;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            lag = store.Backlog.OldestAge > lag ? store.Backlog.OldestAge : lag;
            await Task.Delay(100, ct);
        }

        var rate = (store.Backlog.LastSequence - start) / clock.Elapsed.TotalSeconds;
        await host.StopAsync(ct);
        Assert.True(rate >= 20, $"the station made only {rate:F1} events/s");
        // Commit interval (200 ms) + round trip (100 ms) + a loaded machine's scheduling.
        Assert.True(lag < TimeSpan.FromSeconds(1.5), $"delivery lag reached {lag.TotalMilliseconds:F0} ms at {rate:F1} events/s");
        Assert.DoesNotContain(health.ToArray(), h => h.Status == HealthStatus.Degraded);
        Assert.Equal(0, run.Counters.EventsDropped);
        TestContext.Current.TestOutputHelper?.WriteLine($"{rate:F1} events/s over a 100 ms round trip, largest lag {lag.TotalMilliseconds:F0} ms, health never degraded");
    }

    [Fact]
    public async Task A_broker_holding_its_PUBACKs_for_6_s_degrades_the_station_with_the_reason_and_a_new_connection_recovers_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = DelayProxy.Start(broker.Port, TimeSpan.FromMilliseconds(5));
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, Topic);
        using var host = Build(proxy.Port, "--Mqtt:PublishTimeoutMs", "1000");
        var (_, store, health) = Watch(host);
        await host.StartAsync(ct);
        Assert.True(await recorder.WaitForAsync(r => r.Messages.Count >= 20, TimeSpan.FromSeconds(60)), "no events");

        var hold = TimeSpan.FromSeconds(6);
        var clock = Stopwatch.StartNew();
        proxy.HoldBrokerTraffic(hold);
        var degradedAt = await WhenAsync(() => health.Any(h => h.Status == HealthStatus.Degraded), TimeSpan.FromSeconds(30));
        var runningAt = await WhenAsync(() => health.SkipWhile(h => h.Status != HealthStatus.Degraded).Any(h => h.Status == HealthStatus.Running), TimeSpan.FromSeconds(30));
        // Events made during the hold reach the broker before it ends: delivered over the new connection.
        var target = store.Backlog.LastSequence;
        var deliveredAt = await WhenAsync(() => recorder.Payloads(Topic).Select(StationEvent.Parse).Any(e => e.Number >= target), TimeSpan.FromSeconds(30));
        await host.StopAsync(ct);

        var degraded = health.First(h => h.Status == HealthStatus.Degraded);
        Assert.Matches(@"^MQTT broker 127\.0\.0\.1:\d+ unreachable: no PUBACK for .+ within 1000 ms$", degraded.Reason);
        Assert.True(proxy.Connections >= 2, $"{proxy.Connections} connections: never reconnected");
        Assert.True(runningAt < hold, $"running again only {runningAt.TotalSeconds:F1} s into the {hold.TotalSeconds} s hold");
        Assert.True(deliveredAt < hold, $"delivery resumed only {deliveredAt.TotalSeconds:F1} s into the hold");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"degraded {degradedAt.TotalSeconds:F1} s into the hold ({degraded.Reason}), running again at {runningAt.TotalSeconds:F1} s, events made in the hold delivered by {deliveredAt.TotalSeconds:F1} s");

        async Task<TimeSpan> WhenAsync(Func<bool> condition, TimeSpan timeout)
        {
            while (!condition())
            {
                Assert.True(clock.Elapsed < timeout, $"timed out; health: {string.Join(" > ", health.Select(h => h.StatusName + (h.Reason is null ? "" : $" ({h.Reason})")))}");
                await Task.Delay(50, ct);
            }

            return clock.Elapsed;
        }
    }

    private static (RunState Run, IOutboxStore Store, System.Collections.Concurrent.ConcurrentQueue<HealthSnapshot> Health) Watch(IHost host)
    {
        var run = host.Services.GetRequiredService<RunState>();
        var health = new System.Collections.Concurrent.ConcurrentQueue<HealthSnapshot>();
        run.Health.Changed += health.Enqueue;
        return (run, host.Services.GetRequiredService<IOutboxStore>(), health);
    }

    private IHost Build(int port, params string[] extra) => StationHost.Build(new StationLaunch
    {
        ConfigArgs =
        [
            .. TestModels.DemoArgs,
            "--Station:Id", "slow1",
            "--Station:StateDir", _state,
            "--Mqtt:Host", "127.0.0.1", "--Mqtt:Port", port.ToString(CultureInfo.InvariantCulture),
            "--Mqtt:ReconnectMinMs", "100", "--Mqtt:ReconnectMaxMs", "500",
            "--Mqtt:LagBoundSeconds", "2",
            "--Source:Kind", "synthetic", "--Source:Rate", "30",
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
            .. extra,
        ],
    });
}
