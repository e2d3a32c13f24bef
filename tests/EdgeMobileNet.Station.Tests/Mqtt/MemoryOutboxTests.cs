using EdgeMobileNet.Station.Mqtt;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Mqtt;

public sealed class MemoryOutboxTests
{
    [Fact]
    public void Keeps_order_removes_only_after_delivery_and_drops_oldest_when_full()
    {
        var outbox = new MemoryOutbox(3);
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(outbox.Enqueue(Message(i)));
        }

        Assert.True(outbox.TryPeek(out var head));
        Assert.Equal("1", head.Topic);
        Assert.True(outbox.TryPeek(out head)); // not delivered yet: still the head
        Assert.Equal("1", head.Topic);

        Assert.False(outbox.Enqueue(Message(4))); // full: 1 is discarded
        outbox.RemoveHead(); // the publish of 1 completing must not remove 2
        Assert.Equal(3, outbox.Count);
        var order = new List<string>();
        while (outbox.TryPeek(out var m))
        {
            order.Add(m.Topic);
            outbox.RemoveHead();
        }

        Assert.Equal(["2", "3", "4"], order);
    }

    [Fact]
    public async Task WaitAsync_wakes_on_enqueue()
    {
        var outbox = new MemoryOutbox(10);
        var wait = outbox.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(wait.IsCompleted);
        outbox.Enqueue(Message(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    private static OutboxMessage Message(int i) => new(i.ToString(System.Globalization.CultureInfo.InvariantCulture), [(byte)i]);
}
