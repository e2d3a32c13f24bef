using System.Text;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>Stopping delivery while a publish is only partly written to the socket.</summary>
public sealed partial class OutboxPublisherTests
{
    /// <summary>The cause of the non-JSON event payload once seen by the soak test: a stop cancelled the publishes
    /// still in flight, and MQTTnet writes a publish as header, then payload; a publish cancelled in between (or
    /// during a blocked write) leaves half a packet on a connection the drain then kept using. The broker took the
    /// next packets' bytes as the rest of that payload and published it. A stop must never cut a write short on a
    /// connection that stays in use.</summary>
    [Fact]
    public async Task A_stop_while_publishes_are_half_written_keeps_the_connection_usable_and_every_payload_intact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        // A small receive buffer on the proxy: once it stops reading, the client's writes block part-way.
        await using var proxy = DelayProxy.Start(broker.Port, TimeSpan.FromMilliseconds(1), receiveBuffer: 64 << 10);
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, Topic);
        using var store = SegmentLogOutbox.Open(_dir, new OutboxLimits(256 << 20, TimeSpan.FromHours(1)), TimeProvider.System, NullLogger.Instance);
        var publisher = new OutboxPublisher(
            store, new OutboxPublisherSettings(8, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), TimeProvider.System, NullLogger.Instance);
        const int Count = 16;
        var expected = new Dictionary<string, string>();
        for (var i = 0; i < Count; i++)
        {
            store.Append(Topic, s =>
            {
                // 1 MiB each, ASCII, different for every event: a payload spliced from other bytes cannot pass.
                var id = $"{store.StreamId}-{s}";
                var json = $"{{\"id\":\"{id}\",\"pad\":\"{new string((char)('a' + (s % 26)), 1 << 20)}\"}}";
                expected[id] = json;
                return Encoding.ASCII.GetBytes(json);
            });
        }

        await store.FlushAsync(ct);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", proxy.Port).WithCleanSession(true)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(60)).WithTimeout(TimeSpan.FromSeconds(60)).Build(),
            ct);
        proxy.PauseClientReads(TimeSpan.FromSeconds(4));

        // Stop while the window's writes are blocked (the stop grace, 1 s, passes without a PUBACK) ...
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var delivering = publisher.DeliverAsync(client, stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            await stop.CancelAsync();
            await OutboxPublisher.WaitQuietlyAsync(delivering).WaitAsync(TimeSpan.FromSeconds(10), ct);
        }

        // ... then drain on the same connection, as the station's stop does.
        Assert.True(client.IsConnected, "the stop closed the connection");
        await publisher.DeliverAsync(client, ct, untilEmpty: true).WaitAsync(TimeSpan.FromSeconds(90), ct);

        Assert.Equal(0, store.Backlog.Count);
        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads(Topic).Select(IdIn).Where(expected.ContainsKey).Distinct().Count() == Count, TimeSpan.FromSeconds(30)),
            $"{recorder.Payloads(Topic).Count} payloads arrived, {recorder.Payloads(Topic).Count(p => !expected.ContainsValue(p))} of them not as sent");
        var payloads = recorder.Payloads(Topic);
        foreach (var p in payloads)
        {
            var id = IdIn(p);
            Assert.True(expected.TryGetValue(id, out var sent) && sent == p, $"payload of {p.Length} chars not as sent (id '{id}'): {p[..Math.Min(60, p.Length)]}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{Count} events, {payloads.Count} received, all intact");
    }

    private static string IdIn(string payload) =>
        payload.StartsWith("{\"id\":\"", StringComparison.Ordinal) && payload.IndexOf('"', 7) is var end and > 7 ? payload[7..end] : "";
}
