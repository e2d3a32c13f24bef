using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>
/// The in-memory outbox (<c>Outbox:Kind=memory</c>; everything is lost on restart) behind the windowed contract:
/// messages wait in a FIFO queue until a reader takes them, then in a short window until the broker acknowledges
/// them. Sequences start at 1 in every run (a new stream each time); the byte, count and age
/// bounds drop the oldest message first, from the window before the queue.
/// </summary>
internal sealed class MemoryOutboxStore : IOutboxStore
{
    private readonly Lock _gate = new();
    private readonly Queue<(string Topic, byte[] Payload)> _queue = new();
    private readonly Queue<Meta> _queued = new();
    private readonly List<Windowed> _window = [];
    private readonly OutboxLimits _limits;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _lastSequence;
    private long _bytes;
    private long _droppedForSpace;
    private long _droppedForAge;

    public MemoryOutboxStore(OutboxLimits limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        StreamId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    }

    public string StreamId { get; }

    public OutboxBacklog Backlog
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                ExpireLocked(now);
                DateTimeOffset? oldest = _window.Count > 0 ? _window[0].Entry.Enqueued : _queued.Count > 0 ? _queued.Peek().Enqueued : null;
                return new OutboxBacklog(
                    _window.Count + _queued.Count,
                    _bytes,
                    oldest is { } o && now > o ? now - o : TimeSpan.Zero,
                    _droppedForSpace,
                    _droppedForAge,
                    _lastSequence,
                    _lastSequence);
            }
        }
    }

    public long Append(string topic, Func<long, byte[]> payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        long sequence;
        lock (_gate)
        {
            sequence = _lastSequence + 1;
            var body = payload(sequence);
            var size = Size(topic, body);
            if (size > _limits.MaxBytes)
            {
                throw new ArgumentException($"message of {size} bytes exceeds the outbox bound of {_limits.MaxBytes} bytes", nameof(payload));
            }

            var now = _time.GetUtcNow();
            ExpireLocked(now);
            while (_window.Count + _queued.Count > 0 && (_bytes + size > _limits.MaxBytes || _window.Count + _queued.Count >= _limits.MaxCount))
            {
                DropOldestLocked();
                _droppedForSpace++;
            }

            _queue.Enqueue((topic, body));
            _queued.Enqueue(new Meta(sequence, now, size));
            _bytes += size;
            _lastSequence = sequence;
        }

        BinarySignal.Set(_signal);

        return sequence;
    }

    public int Peek(long afterSequence, int max, List<OutboxEntry> into)
    {
        var added = 0;
        lock (_gate)
        {
            ExpireLocked(_time.GetUtcNow());
            foreach (var w in _window)
            {
                if (added == max)
                {
                    return added;
                }

                if (w.Entry.Sequence > afterSequence)
                {
                    into.Add(w.Entry);
                    added++;
                }
            }

            while (added < max && TakeFromQueueLocked() is { } entry)
            {
                if (entry.Sequence > afterSequence)
                {
                    into.Add(entry);
                    added++;
                }
            }
        }

        return added;
    }

    public bool Remove(long sequence)
    {
        lock (_gate)
        {
            var i = _window.FindIndex(w => w.Entry.Sequence == sequence);
            if (i < 0)
            {
                return false;
            }

            _bytes -= _window[i].Size;
            _window.RemoveAt(i);
            return true;
        }
    }

    public async Task WaitAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_lastSequence > afterSequence && (_queued.Count > 0 || _window.Exists(w => w.Entry.Sequence > afterSequence)))
            {
                return;
            }
        }

        await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _signal.Dispose();

    private static long Size(string topic, byte[] payload) => System.Text.Encoding.UTF8.GetByteCount(topic) + payload.Length;

    private OutboxEntry? TakeFromQueueLocked()
    {
        if (!_queue.TryDequeue(out var message))
        {
            return null;
        }

        var meta = _queued.Dequeue();
        var entry = new OutboxEntry(meta.Sequence, meta.Enqueued, message.Topic, message.Payload);
        _window.Add(new Windowed(entry, meta.Size));
        return entry;
    }

    private void DropOldestLocked()
    {
        if (_window.Count == 0)
        {
            TakeFromQueueLocked();
        }

        _bytes -= _window[0].Size;
        _window.RemoveAt(0);
    }

    private void ExpireLocked(DateTimeOffset now)
    {
        var oldestAllowed = now - _limits.MaxAge;
        while ((_window.Count > 0 && _window[0].Entry.Enqueued < oldestAllowed)
            || (_window.Count == 0 && _queued.Count > 0 && _queued.Peek().Enqueued < oldestAllowed))
        {
            DropOldestLocked();
            _droppedForAge++;
        }
    }

    private readonly record struct Meta(long Sequence, DateTimeOffset Enqueued, long Size);

    private readonly record struct Windowed(OutboxEntry Entry, long Size);
}
