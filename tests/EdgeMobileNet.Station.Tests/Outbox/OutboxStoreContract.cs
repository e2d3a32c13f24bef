using System.Text;
using EdgeMobileNet.Station.Outbox;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>The <see cref="IOutboxStore"/> contract, run against every implementation (memory and disk).</summary>
public abstract class OutboxStoreContract : IDisposable
{
    private const string Topic = "edgemobilenet/t/event";
    private static readonly OutboxLimits Roomy = new(1 << 20, TimeSpan.FromHours(1));
    private readonly List<IOutboxStore> _stores = [];

    public virtual void Dispose()
    {
        foreach (var s in _stores)
        {
            s.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Sequences_count_from_1_and_the_payload_is_built_from_its_sequence()
    {
        var store = Create(Roomy, TimeProvider.System);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, Append(store));
        }

        await store.FlushAsync(TestContext.Current.CancellationToken);
        var all = PeekAll(store);
        Assert.Equal([1L, 2, 3, 4, 5], all.Select(e => e.Sequence));
        Assert.All(all, e => Assert.Equal($"{store.StreamId}-{e.Sequence}", Encoding.UTF8.GetString(e.Payload)));
        Assert.All(all, e => Assert.Equal(Topic, e.Topic));
        Assert.Matches("^[0-9a-f]{12}$", store.StreamId);
    }

    [Fact]
    public async Task A_window_of_several_in_flight_is_removed_in_any_order_and_the_rest_comes_again()
    {
        var store = Create(Roomy, TimeProvider.System);
        for (var i = 1; i <= 10; i++)
        {
            Append(store);
        }

        await store.FlushAsync(TestContext.Current.CancellationToken);
        var window = new List<OutboxEntry>();
        Assert.Equal(4, store.Peek(0, 4, window));
        Assert.Equal(3, store.Peek(window[^1].Sequence, 3, window));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], window.Select(e => e.Sequence));

        Assert.True(store.Remove(3));
        Assert.True(store.Remove(1));
        Assert.True(store.Remove(6));
        Assert.False(store.Remove(3)); // twice
        Assert.False(store.Remove(99)); // never existed
        Assert.Equal(7, store.Backlog.Count);

        // After a reconnect the reader starts over from 0: whatever was not acknowledged comes again, same sequences.
        Assert.Equal([2L, 4, 5, 7, 8, 9, 10], PeekAll(store).Select(e => e.Sequence));
        Assert.Equal(10, store.Backlog.LastSequence);
    }

    [Fact]
    public async Task Backlog_reports_count_bytes_and_the_age_of_the_oldest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var store = Create(Roomy, time);
        Assert.Equal(new OutboxBacklog(0, 0, TimeSpan.Zero, 0, 0, 0, 0), store.Backlog);

        Append(store);
        time.Advance(TimeSpan.FromSeconds(90));
        Append(store);
        time.Advance(TimeSpan.FromSeconds(10));
        await store.FlushAsync(TestContext.Current.CancellationToken);
        var backlog = store.Backlog;
        Assert.Equal(2, backlog.Count);
        Assert.Equal(TimeSpan.FromSeconds(100), backlog.OldestAge);
        Assert.InRange(backlog.Bytes, 2 * (Topic.Length + 14), 2 * (Topic.Length + 14 + 64));
        Assert.Equal(2, backlog.DurableSequence);

        var first = PeekAll(store)[0];
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), first.Enqueued);
        store.Remove(1);
        Assert.Equal(TimeSpan.FromSeconds(10), store.Backlog.OldestAge);
        store.Remove(2);
        Assert.Equal((0L, 0L, TimeSpan.Zero), (store.Backlog.Count, store.Backlog.Bytes, store.Backlog.OldestAge));
    }

    [Fact]
    public async Task Full_by_bytes_drops_the_oldest_first_and_counts_it()
    {
        var probe = Create(Roomy, TimeProvider.System);
        Append(probe, padding: 100);
        var one = probe.Backlog.Bytes;
        var store = Create(new OutboxLimits(Math.Max(1024, one * 3 + one / 2), TimeSpan.FromHours(1)), TimeProvider.System);
        var fits = (int)(Math.Max(1024, one * 3 + one / 2) / one);
        for (var i = 1; i <= fits + 2; i++)
        {
            Append(store, padding: 100);
        }

        await store.FlushAsync(TestContext.Current.CancellationToken);
        var backlog = store.Backlog;
        Assert.Equal(fits, backlog.Count);
        Assert.Equal(2, backlog.DroppedForSpace);
        Assert.Equal(0, backlog.DroppedForAge);
        Assert.Equal(Enumerable.Range(3, fits).Select(i => (long)i), PeekAll(store).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Full_by_count_drops_the_oldest_even_when_in_flight_and_its_late_acknowledgement_is_ignored()
    {
        var store = Create(Roomy with { MaxCount = 3 }, TimeProvider.System);
        for (var i = 1; i <= 3; i++)
        {
            Append(store);
        }

        await store.FlushAsync(TestContext.Current.CancellationToken);
        var window = new List<OutboxEntry>();
        store.Peek(0, 2, window); // 1 and 2 in flight
        Append(store); // 1 dropped
        await store.FlushAsync(TestContext.Current.CancellationToken);
        Assert.False(store.Remove(1));
        Assert.True(store.Remove(2));
        Assert.Equal([3L, 4], PeekAll(store).Select(e => e.Sequence));
        Assert.Equal(1, store.Backlog.DroppedForSpace);
    }

    [Fact]
    public async Task Messages_older_than_the_age_bound_are_dropped_and_counted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = Create(Roomy with { MaxAge = TimeSpan.FromMinutes(10) }, time);
        Append(store);
        Append(store);
        time.Advance(TimeSpan.FromMinutes(6));
        Append(store);
        time.Advance(TimeSpan.FromMinutes(5)); // 1 and 2 are now 11 minutes old
        await store.FlushAsync(TestContext.Current.CancellationToken);
        var backlog = store.Backlog;
        Assert.Equal((1L, 2L, 0L), (backlog.Count, backlog.DroppedForAge, backlog.DroppedForSpace));
        Assert.Equal(TimeSpan.FromMinutes(5), backlog.OldestAge);
        Assert.Equal([3L], PeekAll(store).Select(e => e.Sequence));
    }

    [Fact]
    public void A_message_larger_than_the_bound_is_refused_without_dropping_anything()
    {
        var store = Create(new OutboxLimits(1024, TimeSpan.FromHours(1)), TimeProvider.System);
        Append(store);
        Assert.Throws<ArgumentException>(() => store.Append(Topic, _ => new byte[2000]));
        Assert.Equal((1L, 0L, 1L), (store.Backlog.Count, store.Backlog.Dropped, store.Backlog.LastSequence));
    }

    [Fact]
    public async Task WaitAsync_wakes_when_a_new_message_can_be_read()
    {
        var store = Create(Roomy, TimeProvider.System);
        var ct = TestContext.Current.CancellationToken;
        var wait = store.WaitAsync(0, TimeSpan.FromSeconds(30), ct);
        await Task.Delay(50, ct);
        Assert.False(wait.IsCompleted);
        Append(store);
        await wait.WaitAsync(TimeSpan.FromSeconds(5), ct);

        // Already readable beyond the given sequence: returns at once; nothing beyond it: waits for the timeout.
        await store.WaitAsync(0, TimeSpan.FromSeconds(30), ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        var started = DateTime.UtcNow;
        await store.WaitAsync(1, TimeSpan.FromMilliseconds(300), ct);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250));
    }

    /// <summary>A fresh store; disk stores commit on their own every few milliseconds with <see cref="TimeProvider.System"/>.</summary>
    private protected abstract IOutboxStore CreateStore(OutboxLimits limits, TimeProvider time);

    private static long Append(IOutboxStore store, int padding = 0) =>
        store.Append(Topic, s => Encoding.UTF8.GetBytes($"{store.StreamId}-{s}{new string('x', padding)}"));

    private static List<OutboxEntry> PeekAll(IOutboxStore store)
    {
        var all = new List<OutboxEntry>();
        store.Peek(0, int.MaxValue, all);
        return all;
    }

    private IOutboxStore Create(OutboxLimits limits, TimeProvider time)
    {
        var store = CreateStore(limits, time);
        _stores.Add(store);
        return store;
    }
}

[Collection(OutboxProcessesCollection.Name)]
public sealed class MemoryOutboxStoreContractTests : OutboxStoreContract
{
    private protected override IOutboxStore CreateStore(OutboxLimits limits, TimeProvider time) => new MemoryOutboxStore(limits, time);
}

[Collection(OutboxProcessesCollection.Name)]
public sealed class SegmentLogOutboxContractTests : OutboxStoreContract
{
    private readonly string _dir = EdgeMobileNet.Tests.Common.TestAssets.NewTempDir();
    private int _n;

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private protected override IOutboxStore CreateStore(OutboxLimits limits, TimeProvider time) => SegmentLogOutbox.Open(
        Path.Combine(_dir, $"store{++_n}"),
        limits,
        time,
        Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        TimeSpan.FromMilliseconds(20));
}
