using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary><see cref="OutboxPublisher"/> against a real mosquitto, through a delaying proxy on loopback, fed by the
/// disk outbox at the station's pace (30 events/s).</summary>
[Collection(OutboxProcessesCollection.Name)]
public sealed partial class OutboxPublisherTests : IDisposable
{
    private const string Topic = "edgemobilenet/pub/event";
    private const double Rate = 30;
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Eight_in_flight_keep_up_with_30_events_a_second_over_a_100_ms_round_trip()
    {
        var run = await RunAsync(maxInFlight: 8, seconds: 8, oneWay: TimeSpan.FromMilliseconds(50));

        Assert.Equal(0, run.Publisher.Timeouts);
        Assert.Null(run.MaxDegraded);
        // Commit interval (200 ms) + round trip (100 ms) + a loaded machine's scheduling.
        Assert.True(run.MaxLag < TimeSpan.FromSeconds(1), $"lag reached {run.MaxLag.TotalMilliseconds:F0} ms");
        TestContext.Current.TestOutputHelper?.WriteLine($"{run.Appended} events, largest lag {run.MaxLag.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task One_in_flight_cannot_keep_up_over_the_same_link_and_the_lag_marks_the_station_degraded()
    {
        // 1 per round trip = 10/s < 30/s: the control for the test above, and the degraded mark with its reason.
        var run = await RunAsync(maxInFlight: 1, seconds: 4, oneWay: TimeSpan.FromMilliseconds(50));

        Assert.True(run.MaxLag > TimeSpan.FromSeconds(1.5), $"lag only {run.MaxLag.TotalMilliseconds:F0} ms");
        Assert.NotNull(run.MaxDegraded);
        Assert.Matches(@"^event delivery lag \d+\.\d s over the 1 s bound \(connected; \d+ events waiting\)$", run.MaxDegraded);
    }

    [Fact]
    public async Task A_connection_whose_PUBACKs_stall_for_6_s_is_dropped_after_the_timeout_and_delivery_resumes_on_a_new_one()
    {
        var holdAt = TimeSpan.FromSeconds(2);
        var hold = TimeSpan.FromSeconds(6);
        var run = await RunAsync(maxInFlight: 8, seconds: 10, oneWay: TimeSpan.FromMilliseconds(5), holdAt: holdAt, hold: hold);

        Assert.True(run.Publisher.Timeouts >= 1, "no publish timed out");
        Assert.True(run.Publisher.Reconnects >= 1, "never reconnected");
        Assert.True(run.Connections >= 2, $"{run.Connections} proxy connections");
        // Recovered by reconnecting, not by waiting for the stalled connection: the events appended in the first
        // 3 s of the hold reached the broker before the hold ended.
        Assert.True(run.ResumedAfter < hold, $"delivery resumed {run.ResumedAfter.TotalSeconds:F1} s into the {hold.TotalSeconds} s hold");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{run.Appended} events, {run.Received} received ({run.Received - run.Appended} again after the reconnect), timeouts {run.Publisher.Timeouts}, reconnects {run.Publisher.Reconnects}, resumed {run.ResumedAfter.TotalSeconds:F1} s into the hold");
    }

    [Fact]
    public async Task The_drain_on_stop_returns_once_everything_is_acknowledged_and_a_stalled_broker_is_bounded_by_its_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = DelayProxy.Start(broker.Port, TimeSpan.FromMilliseconds(5));
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, Topic);
        using var store = SegmentLogOutbox.Open(_dir, new OutboxLimits(64 << 20, TimeSpan.FromHours(1)), TimeProvider.System, NullLogger.Instance);
        var publisher = new OutboxPublisher(store, OutboxPublisherSettings.Default, TimeProvider.System, NullLogger.Instance);
        for (var i = 0; i < 50; i++)
        {
            store.Append(Topic, s => Encoding.UTF8.GetBytes($"{{\"id\":\"{store.StreamId}-{s}\"}}"));
        }

        // Not committed yet: the drain commits them itself.
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", proxy.Port).WithCleanSession(true).Build(), ct);
        await publisher.DeliverAsync(client, ct, untilEmpty: true).WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(0, store.Backlog.Count);
        Assert.True(await recorder.WaitForAsync(r => Ids(r, store.StreamId).Distinct().Count() == 50, TimeSpan.FromSeconds(10)));

        // Broker stalls during the next drain: the drain timeout ends it and the events stay in the outbox.
        for (var i = 0; i < 20; i++)
        {
            store.Append(Topic, s => Encoding.UTF8.GetBytes($"{{\"id\":\"{store.StreamId}-{s}\"}}"));
        }

        await store.FlushAsync(ct);
        proxy.HoldBrokerTraffic(TimeSpan.FromSeconds(10));
        using var drain = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        try
        {
            await publisher.DeliverAsync(client, drain.Token, untilEmpty: true);
        }
        catch (OperationCanceledException)
        {
            // The drain timeout.
        }

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        Assert.Equal(20, store.Backlog.Count);
    }

    [Fact]
    public void Reconnect_delays_double_up_to_the_maximum_with_jitter_in_the_upper_half()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000), new Random(7));
        double[] ceilings = [100, 200, 400, 800, 1000, 1000];
        var delays = ceilings.Select(_ => backoff.Next().TotalMilliseconds).ToList();
        for (var i = 0; i < ceilings.Length; i++)
        {
            Assert.InRange(delays[i], ceilings[i] / 2, ceilings[i]);
        }

        Assert.NotEqual(delays[4], delays[5]); // jittered, not lockstep
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }

    /// <summary>Appends at <see cref="Rate"/> for the given time while the publisher delivers through the proxy, then
    /// waits for the recorder to have every event and checks ids: all there, first arrivals in sequence order, a
    /// repeated id always with the same payload.</summary>
    private async Task<Run> RunAsync(int maxInFlight, double seconds, TimeSpan oneWay, TimeSpan? holdAt = null, TimeSpan? hold = null)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = DelayProxy.Start(broker.Port, oneWay);
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, Topic);
        using var store = SegmentLogOutbox.Open(_dir, new OutboxLimits(64 << 20, TimeSpan.FromHours(1)), TimeProvider.System, NullLogger.Instance);
        var publisher = new OutboxPublisher(
            store,
            new OutboxPublisherSettings(maxInFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
            TimeProvider.System,
            NullLogger.Instance);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", proxy.Port)
            .WithClientId("outbox-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .WithTimeout(TimeSpan.FromSeconds(2))
            .Build();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delivering = publisher.RunAsync(
            () => new MqttClientFactory().CreateMqttClient(),
            options,
            new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new Random(1)),
            stop.Token);

        var count = (int)(Rate * seconds);
        var lag = TimeSpan.Zero;
        string? degraded = null;
        long firstAfterHold = 0;
        Task<TimeSpan>? resumed = null;
        var clock = Stopwatch.StartNew();
        for (var n = 1; n <= count; n++)
        {
            var due = TimeSpan.FromSeconds(n / Rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, ct);
            }

            if (holdAt is { } at && firstAfterHold == 0 && clock.Elapsed >= at)
            {
                proxy.HoldBrokerTraffic(hold!.Value);
                firstAfterHold = n;
                var holdStart = clock.Elapsed;
                var target = n + (long)(3 * Rate); // appended 3 s into the hold
                resumed = Task.Run(async () =>
                {
                    await recorder.WaitForAsync(r => Ids(r, store.StreamId).Contains(target), TimeSpan.FromSeconds(20));
                    return clock.Elapsed - holdStart;
                });
            }

            store.Append(Topic, s => Encoding.UTF8.GetBytes($"{{\"id\":\"{store.StreamId}-{s}\"}}"));
            var backlog = store.Backlog;
            if (backlog.OldestAge > lag)
            {
                lag = backlog.OldestAge;
                degraded = publisher.DegradedReason() ?? degraded;
            }
        }

        // When did the event appended 3 s into the hold reach the broker?
        var resumedAfter = resumed is null ? TimeSpan.Zero : await resumed;
        var all = await recorder.WaitForAsync(r => Ids(r, store.StreamId).Distinct().Count() == count, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await delivering;
        var ids = Ids(recorder, store.StreamId);
        Assert.True(all, $"{ids.Distinct().Count()} of {count} events arrived");
        var firstArrivals = ids.Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), firstArrivals);
        return new Run(publisher, count, ids.Count, lag, degraded, proxy.Connections, resumedAfter);
    }

    private static List<long> Ids(MqttRecorder recorder, string stream) =>
        [.. recorder.Payloads(Topic).Select(p => IdOf().Match(p)).Where(m => m.Success && m.Groups[1].Value == stream).Select(m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))];

    [GeneratedRegex("^\\{\"id\":\"([0-9a-f]{12})-(\\d+)\"\\}$")]
    private static partial Regex IdOf();

    private sealed record Run(OutboxPublisher Publisher, int Appended, int Received, TimeSpan MaxLag, string? MaxDegraded, int Connections, TimeSpan ResumedAfter);
}
