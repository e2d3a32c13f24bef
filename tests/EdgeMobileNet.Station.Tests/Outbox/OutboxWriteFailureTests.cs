using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>A refused outbox write (disk full) costs that event only: counted as dropped, the station degraded with
/// the reason, the line goes on, and the next successful write clears the condition.</summary>
public sealed class OutboxWriteFailureTests
{
    [Fact]
    public void A_refused_write_drops_and_counts_the_event_degrades_and_recovers()
    {
        using var store = new FailingStore();
        var run = new RunState(TimeProvider.System);
        run.Health.Started();
        var sink = new MqttEventSink(store, run, Options.Create(new StationOptions { Id = "w1" }), NullLogger<MqttEventSink>.Instance);
        var result = new ClassificationResult(1, ["a"]) { TopCount = 1, Time = DateTimeOffset.UtcNow, Trigger = "continuous" };

        sink.Accept(result);
        store.Fail = true;
        sink.Accept(result);
        sink.Accept(result);
        Assert.Equal(2, run.Counters.EventsDropped);
        Assert.Equal(HealthStatus.Degraded, run.Health.Current.Status);
        Assert.Contains("No space left on device", run.Health.Current.Reason, StringComparison.Ordinal);

        store.Fail = false;
        sink.Accept(result);
        Assert.Equal(HealthStatus.Running, run.Health.Current.Status);
        Assert.Equal(2, store.Inner.Backlog.Count);
        var entries = new List<OutboxEntry>();
        store.Inner.Peek(0, 10, entries);
        Assert.Contains($"\"id\":\"{store.StreamId}-2\"", System.Text.Encoding.UTF8.GetString(entries[1].Payload), StringComparison.Ordinal);
    }

    private sealed class FailingStore : IOutboxStore
    {
        public MemoryOutboxStore Inner { get; } = new(new OutboxLimits(1 << 20, TimeSpan.FromHours(1)), TimeProvider.System);

        public bool Fail { get; set; }

        public string StreamId => Inner.StreamId;

        public OutboxBacklog Backlog => Inner.Backlog;

        public long Append(string topic, Func<long, byte[]> payload) => Fail ? throw new IOException("No space left on device") : Inner.Append(topic, payload);

        public int Peek(long afterSequence, int max, List<OutboxEntry> into) => Inner.Peek(afterSequence, max, into);

        public bool Remove(long sequence) => Inner.Remove(sequence);

        public Task WaitAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken) => Inner.WaitAsync(afterSequence, timeout, cancellationToken);

        public Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

        public void Dispose() => Inner.Dispose();
    }
}
