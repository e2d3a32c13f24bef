using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>Writing: appending records, starting segments, and the commit (fdatasync) that makes them durable.</summary>
internal sealed partial class SegmentLogOutbox
{
    public long Append(string topic, Func<long, byte[]> payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var sequence = _lastSequence + 1;
            var body = payload(sequence);
            var size = SegmentFormat.EventRecordSize(System.Text.Encoding.UTF8.GetByteCount(topic), body.Length);
            if (size > _limits.MaxBytes || size - SegmentFormat.PrefixSize > SegmentFormat.MaxBodySize)
            {
                throw new ArgumentException($"message of {size} bytes exceeds the outbox bound of {_limits.MaxBytes} bytes", nameof(payload));
            }

            var now = NowMs();
            ExpireLocked(now);
            while (_pending.Count > _head && (_bytes + size > _limits.MaxBytes || _pending.Count - _head >= _limits.MaxCount))
            {
                DropHeadLocked(forAge: false);
            }

            var segment = _segments[^1];
            if (segment.Length + size > _segmentBytes && segment.LastSequence >= segment.FirstSequence)
            {
                segment = StartSegmentLocked(sequence);
            }

            var record = Scratch(size);
            SegmentFormat.WriteEvent(record, sequence, now, topic, body);
            WriteLocked(segment, record);
            _pending.Add(new Pending(sequence, now, segment, segment.Length - size, size));
            segment.LastSequence = sequence;
            _lastSequence = sequence;
            _bytes += size;
            return sequence;
        }
    }

    /// <summary>Writes a trim mark if needed, fdatasyncs what was written since the last commit (and the folder after
    /// a new segment), then publishes the new durable point and deletes fully trimmed segments.</summary>
    private async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<Segment> dirty = [];
            long target;
            long trim;
            bool syncFolder;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                if (_trimmedUpTo != _trimWritten || _droppedTotal != _droppedTotalWritten)
                {
                    var record = Scratch(SegmentFormat.PrefixSize + SegmentFormat.TrimBodySize);
                    SegmentFormat.WriteTrim(record, _trimmedUpTo, _droppedTotal);
                    WriteLocked(_segments[^1], record);
                    _trimWritten = _trimmedUpTo;
                    _droppedTotalWritten = _droppedTotal;
                }

                foreach (var s in _segments)
                {
                    if (s.Dirty)
                    {
                        dirty.Add(s);
                        s.Dirty = false;
                    }
                }

                target = _lastSequence;
                trim = _trimWritten;
                syncFolder = _newSegment;
                _newSegment = false;
            }

            try
            {
                foreach (var s in dirty)
                {
                    NativeSync.DataSync(s.Handle);
                }

                if (syncFolder)
                {
                    NativeSync.SyncDirectory(_dir);
                }
            }
            catch
            {
                lock (_gate)
                {
                    foreach (var s in dirty)
                    {
                        s.Dirty = true;
                    }

                    _newSegment |= syncFolder;
                }

                throw;
            }

            List<Segment> obsolete = [];
            var advanced = false;
            lock (_gate)
            {
                advanced = target > _durableSequence;
                _durableSequence = Math.Max(_durableSequence, target);
                _trimDurable = Math.Max(_trimDurable, trim);
                while (_segments.Count > 1 && _segments[0].LastSequence <= _trimDurable)
                {
                    obsolete.Add(_segments[0]);
                    _segments.RemoveAt(0);
                }
            }

            foreach (var s in obsolete)
            {
                s.Handle.Dispose();
                File.Delete(s.Path);
            }

            if (advanced)
            {
                Signal();
            }
        }
        finally
        {
            _commitLock.Release();
        }
    }

    private async Task RunCommitterAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        var failing = false;
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await CommitAsync(_stop.Token).ConfigureAwait(false);
                if (failing)
                {
                    LogCommitRecovered(_logger, _dir);
                    failing = false;
                }
            }
            catch (IOException ex)
            {
                // Disk full or failing: nothing new becomes durable (so nothing new is published); retried next tick.
                if (!failing)
                {
                    LogCommitFailed(_logger, _dir, ex.Message);
                    failing = true;
                }
            }
        }
    }

    private void WriteLocked(Segment segment, ReadOnlySpan<byte> record)
    {
        try
        {
            RandomAccess.Write(segment.Handle, record, segment.Length);
        }
        catch (IOException)
        {
            // A partial record would hide everything after it from recovery: cut it off before giving up.
            RandomAccess.SetLength(segment.Handle, segment.Length);
            throw;
        }

        segment.Length += record.Length;
        segment.Dirty = true;
    }

    private Segment StartSegmentLocked(long firstSequence)
    {
        var path = Path.Combine(_dir, SegmentFormat.FileName(firstSequence));
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        var segment = new Segment(firstSequence, path, handle);
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize + SegmentFormat.PrefixSize + SegmentFormat.TrimBodySize];
        SegmentFormat.WriteHeader(header, firstSequence, _stream);
        SegmentFormat.WriteTrim(header[SegmentFormat.HeaderSize..], _trimmedUpTo, _droppedTotal);
        RandomAccess.Write(handle, header, 0);
        segment.Length = header.Length;
        segment.Dirty = true;
        _segments.Add(segment);
        _newSegment = true;
        _trimWritten = _trimmedUpTo;
        _droppedTotalWritten = _droppedTotal;
        return segment;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Dir}: commit failed ({Reason}); retrying, nothing new is published meanwhile")]
    private static partial void LogCommitFailed(ILogger logger, string dir, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Dir}: commits succeed again")]
    private static partial void LogCommitRecovered(ILogger logger, string dir);
}
