using EdgeMobileNet.Station.Mqtt;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>Puts an <see cref="IOutboxStore"/> (the disk outbox) behind the head-only <see cref="IEventOutbox"/> the
/// current pipeline and publisher use, so the store can be swapped in before the publisher moves to the windowed
/// contract. Delivery stays one message at a time.</summary>
internal sealed class OutboxEventAdapter(IOutboxStore store) : IEventOutbox
{
    private readonly List<OutboxEntry> _head = new(1);
    private long _peeked;

    public int Count => (int)Math.Min(int.MaxValue, store.Backlog.Count);

    public bool Enqueue(OutboxMessage message)
    {
        var dropped = store.Backlog.Dropped;
        store.Append(message.Topic, _ => message.Payload);
        return store.Backlog.Dropped == dropped;
    }

    public bool TryPeek(out OutboxMessage message)
    {
        _head.Clear();
        if (store.Peek(0, 1, _head) == 1)
        {
            _peeked = _head[0].Sequence;
            message = new OutboxMessage(_head[0].Topic, _head[0].Payload);
            return true;
        }

        message = null!;
        return false;
    }

    public void RemoveHead() => store.Remove(Interlocked.Exchange(ref _peeked, 0));

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => store.WaitAsync(0, timeout, cancellationToken);
}
