namespace EdgeMobileNet.Station.Outbox;

/// <summary>Trimming: removing delivered messages and dropping the oldest for the age and space bounds.</summary>
internal sealed partial class SegmentLogOutbox
{
    public bool Remove(long sequence)
    {
        lock (_gate)
        {
            if (_disposed || sequence <= _trimmedUpTo)
            {
                return false;
            }

            var i = FindLocked(sequence);
            if (i < 0 || _pending[i].Removed)
            {
                return false;
            }

            var p = _pending[i];
            _pending[i] = p with { Removed = true };
            _removedCount++;
            _removedBytes += p.Length;
            while (_pending.Count > _head && _pending[_head].Removed)
            {
                var head = _pending[_head];
                _removedCount--;
                _removedBytes -= head.Length;
                PopHeadLocked();
            }

            return true;
        }
    }

    private void ExpireLocked(long nowMs)
    {
        var oldestAllowed = nowMs - (long)_limits.MaxAge.TotalMilliseconds;
        while (_pending.Count > _head && _pending[_head].UnixMs < oldestAllowed)
        {
            DropHeadLocked(forAge: true);
        }
    }

    private void DropHeadLocked(bool forAge)
    {
        var head = _pending[_head];
        if (head.Removed)
        {
            _removedCount--;
            _removedBytes -= head.Length;
        }
        else if (forAge)
        {
            _droppedForAge++;
            _droppedTotal++;
        }
        else
        {
            _droppedForSpace++;
            _droppedTotal++;
        }

        PopHeadLocked();
    }

    private void PopHeadLocked()
    {
        var head = _pending[_head++];
        _bytes -= head.Length;
        _trimmedUpTo = head.Sequence;
        if (_head == _pending.Count)
        {
            _pending.Clear();
            _head = 0;
            _trimmedUpTo = _lastSequence;
        }
        else if (_head >= 4096 && _head * 2 >= _pending.Count)
        {
            _pending.RemoveRange(0, _head);
            _head = 0;
        }
    }
}
