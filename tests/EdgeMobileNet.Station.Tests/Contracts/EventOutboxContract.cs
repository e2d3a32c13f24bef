using System.Text;
using EdgeMobileNet.Station.Mqtt;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Contracts;

/// <summary>What every <see cref="IEventOutbox"/> promises the publisher: first in, first out; nothing removed before
/// it was delivered; the oldest dropped (and reported) when full; a waiter woken by a new message. A disk-backed
/// outbox derives its own subclass.</summary>
public abstract class EventOutboxContract
{
    [Fact]
    public void Messages_come_out_in_order_and_only_removal_removes_them()
    {
        var outbox = Create(capacity: 10);
        Assert.True(outbox.Enqueue(Message(1)));
        Assert.True(outbox.Enqueue(Message(2)));
        Assert.Equal(2, outbox.Count);
        Assert.True(outbox.TryPeek(out var first));
        Assert.True(outbox.TryPeek(out var again));
        Assert.Equal("1", Text(first));
        Assert.Equal("1", Text(again));
        outbox.RemoveHead();
        Assert.True(outbox.TryPeek(out var second));
        Assert.Equal("2", Text(second));
        outbox.RemoveHead();
        Assert.Equal(0, outbox.Count);
        Assert.False(outbox.TryPeek(out _));
    }

    [Fact]
    public void When_full_the_oldest_is_dropped_and_reported()
    {
        var outbox = Create(capacity: 3);
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(outbox.Enqueue(Message(i)));
        }

        Assert.False(outbox.Enqueue(Message(4)));
        Assert.Equal(3, outbox.Count);
        Assert.True(outbox.TryPeek(out var head));
        Assert.Equal("2", Text(head));
    }

    [Fact]
    public async Task A_waiter_wakes_for_a_new_message_and_otherwise_after_the_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var outbox = Create(capacity: 10);
        var timedOut = System.Diagnostics.Stopwatch.StartNew();
        await outbox.WaitAsync(TimeSpan.FromMilliseconds(100), ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.True(timedOut.Elapsed >= TimeSpan.FromMilliseconds(90));

        var waiting = outbox.WaitAsync(TimeSpan.FromSeconds(30), ct);
        outbox.Enqueue(Message(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5), ct);
    }

    private protected abstract IEventOutbox Create(int capacity);

    private static OutboxMessage Message(int n) => new("edgemobilenet/t/event", Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string Text(OutboxMessage message) => Encoding.UTF8.GetString(message.Payload);
}

public sealed class MemoryOutboxContract : EventOutboxContract
{
    private protected override IEventOutbox Create(int capacity) => new MemoryOutbox(capacity);
}
