using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>Reading: peeking committed messages, waiting for new ones, and finding and reading back records.</summary>
internal sealed partial class SegmentLogOutbox
{
    public int Peek(long afterSequence, int max, List<OutboxEntry> into)
    {
        var added = 0;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ExpireLocked(NowMs());
            for (var i = FirstAfterLocked(afterSequence); i < _pending.Count && added < max; i++)
            {
                var p = _pending[i];
                if (p.Sequence > _durableSequence)
                {
                    break;
                }

                if (p.Removed)
                {
                    continue;
                }

                into.Add(ReadLocked(p));
                added++;
            }
        }

        return added;
    }

    public async Task WaitAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (HasPeekableAfter(afterSequence))
        {
            return;
        }

        await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    private bool HasPeekableAfter(long afterSequence)
    {
        lock (_gate)
        {
            for (var i = FirstAfterLocked(afterSequence); i < _pending.Count; i++)
            {
                if (_pending[i].Sequence > _durableSequence)
                {
                    return false;
                }

                if (!_pending[i].Removed)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private void Signal() => BinarySignal.Set(_signal);

    private int FirstAfterLocked(long sequence)
    {
        int lo = _head, hi = _pending.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_pending[mid].Sequence <= sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private int FindLocked(long sequence)
    {
        var i = FirstAfterLocked(sequence - 1);
        return i < _pending.Count && _pending[i].Sequence == sequence ? i : -1;
    }

    private OutboxEntry ReadLocked(in Pending p)
    {
        var record = Scratch(p.Length);
        var read = RandomAccess.Read(p.Segment.Handle, record, p.Offset);
        if (read != p.Length || !SegmentFormat.TryReadRecord(record, out var r) || r.Type != SegmentFormat.EventType || r.A != p.Sequence)
        {
            throw new IOException($"{p.Segment.Path}: record {p.Sequence} at {p.Offset} reads back damaged");
        }

        var (topic, payload) = SegmentFormat.EventContent(record, r);
        return new OutboxEntry(p.Sequence, DateTimeOffset.FromUnixTimeMilliseconds(p.UnixMs), topic, payload);
    }
}
