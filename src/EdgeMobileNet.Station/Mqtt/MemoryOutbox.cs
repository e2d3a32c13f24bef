using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>Bounded in-memory <see cref="IEventOutbox"/>: a FIFO that drops its oldest entry when full.</summary>
internal sealed class MemoryOutbox : IEventOutbox
{
    private readonly Lock _gate = new();
    private readonly Queue<OutboxMessage> _queue = new();
    private readonly SemaphoreSlim _available = new(0, 1);
    private readonly int _capacity;
    private OutboxMessage? _peeked;

    public MemoryOutbox(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public bool Enqueue(OutboxMessage message)
    {
        var kept = true;
        lock (_gate)
        {
            if (_queue.Count >= _capacity)
            {
                var dropped = _queue.Dequeue();
                if (ReferenceEquals(dropped, _peeked))
                {
                    _peeked = null;
                }

                kept = false;
            }

            _queue.Enqueue(message);
        }

        BinarySignal.Set(_available);

        return kept;
    }

    public bool TryPeek(out OutboxMessage message)
    {
        lock (_gate)
        {
            if (_queue.TryPeek(out var head))
            {
                _peeked = head;
                message = head;
                return true;
            }
        }

        message = null!;
        return false;
    }

    public void RemoveHead()
    {
        lock (_gate)
        {
            // Only remove what was published: a full queue may have discarded it meanwhile.
            if (_peeked is not null && _queue.TryPeek(out var head) && ReferenceEquals(head, _peeked))
            {
                _queue.Dequeue();
            }

            _peeked = null;
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Count > 0)
        {
            return;
        }

        await _available.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }
}
