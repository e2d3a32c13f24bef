using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>
/// The disk outbox: an append-only log of segment files in one folder (layout in <see cref="SegmentFormat"/>).
/// <para>Durability: <see cref="Append"/> writes the record to the file before it returns (one write call, no
/// fsync), so an accepted message survives the process being killed. A committer fdatasyncs the written segments
/// every commit interval (and fsyncs the folder after a new segment), so a power cut loses at most the last interval;
/// only messages already committed are handed to the publisher, so nothing a consumer saw can be lost or have its
/// sequence reused.</para>
/// <para>Removal appends trim marks (one per commit at most); a segment is deleted once every message in it is
/// trimmed. Opening scans the segments, cuts a torn or damaged tail, and continues the sequence.</para>
/// </summary>
internal sealed partial class SegmentLogOutbox : IOutboxStore
{
    private readonly string _dir;
    private readonly OutboxLimits _limits;
    private readonly long _segmentBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _commitLock = new(1, 1);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly List<Segment> _segments = [];
    private readonly List<Pending> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private ulong _stream;
    private readonly Task _committer;
    private readonly SafeFileHandle _lock;
    private byte[] _buffer = new byte[4096];
    private int _head;
    private long _lastSequence;
    private long _trimmedUpTo;
    private long _trimWritten;
    private long _trimDurable;
    private long _durableSequence;
    private long _bytes;
    private long _removedCount;
    private long _removedBytes;
    private long _droppedForSpace;
    private long _droppedForAge;
    private long _droppedTotal;
    private long _droppedTotalWritten;
    private bool _newSegment;
    private bool _disposed;

    private SegmentLogOutbox(string dir, OutboxLimits limits, long segmentBytes, TimeSpan commitInterval, TimeProvider time, ILogger logger)
    {
        _dir = dir;
        _limits = limits;
        _segmentBytes = segmentBytes;
        _time = time;
        _logger = logger;
        try
        {
            // One process per outbox: .NET takes an exclusive advisory lock (flock) for FileShare.None.
            _lock = File.OpenHandle(Path.Combine(dir, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"{dir} is in use by another process ({ex.Message})", ex);
        }

        try
        {
            Recover();
        }
        catch
        {
            foreach (var segment in _segments)
            {
                segment.Handle.Dispose();
            }

            _lock.Dispose();
            throw;
        }

        _committer = commitInterval > TimeSpan.Zero ? Task.Run(() => RunCommitterAsync(commitInterval)) : Task.CompletedTask;
    }

    public string StreamId => _stream.ToString("x12", CultureInfo.InvariantCulture);

    /// <summary>The folder the segments live in.</summary>
    public string Directory => _dir;

    /// <summary>Opens (or creates) the outbox in <paramref name="dir"/>. A zero <paramref name="commitInterval"/>
    /// starts no committer: only <see cref="FlushAsync"/> commits (tests, tools).</summary>
    public static SegmentLogOutbox Open(
        string dir,
        OutboxLimits limits,
        TimeProvider time,
        ILogger logger,
        TimeSpan? commitInterval = null,
        long segmentBytes = 4 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 4096);
        System.IO.Directory.CreateDirectory(dir);
        return new SegmentLogOutbox(dir, limits, segmentBytes, commitInterval ?? TimeSpan.FromMilliseconds(200), time, logger);
    }

    public OutboxBacklog Backlog
    {
        get
        {
            lock (_gate)
            {
                var now = NowMs();
                ExpireLocked(now);
                var oldest = _pending.Count > _head ? TimeSpan.FromMilliseconds(Math.Max(0, now - _pending[_head].UnixMs)) : TimeSpan.Zero;
                return new OutboxBacklog(
                    _pending.Count - _head - _removedCount,
                    _bytes - _removedBytes,
                    oldest,
                    _droppedForSpace,
                    _droppedForAge,
                    _lastSequence,
                    _durableSequence);
            }
        }
    }

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

    public async Task WaitAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (HasPeekableAfter(afterSequence))
        {
            return;
        }

        await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => CommitAsync(cancellationToken);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _committer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        try
        {
            CommitAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (IOException ex)
        {
            LogCommitFailed(_logger, _dir, ex.Message);
        }

        lock (_gate)
        {
            _disposed = true;
            foreach (var s in _segments)
            {
                s.Handle.Dispose();
            }

            LogClosed(_logger, _pending.Count - _head - _removedCount, _lastSequence);
        }

        _lock.Dispose();

        _stop.Dispose();
        _commitLock.Dispose();
        _signal.Dispose();
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

    private void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

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

    private Span<byte> Scratch(int size)
    {
        if (_buffer.Length < size)
        {
            _buffer = new byte[Math.Max(size, _buffer.Length * 2)];
        }

        return _buffer.AsSpan(0, size);
    }

    /// <summary>Scans the segments in order: keeps every intact record, cuts torn or damaged tails, sets aside a
    /// segment whose header is unreadable, and rebuilds the waiting list, the sequence and the drop total.</summary>
    private void Recover()
    {
        var files = System.IO.Directory.GetFiles(_dir, "seg-*.log")
            .Select(path => (path, ok: SegmentFormat.TryParseFileName(Path.GetFileName(path), out var first), first))
            .Where(f => f.ok)
            .OrderBy(f => f.first)
            .ToList();
        ulong? stream = null;
        var trimmed = NewestTrim(files.Select(f => f.path));
        long lastSequence = 0;
        for (var f = 0; f < files.Count; f++)
        {
            var (path, _, first) = files[f];
            var data = File.ReadAllBytes(path);
            if (!SegmentFormat.TryReadHeader(data, out var headerFirst, out var headerStream) || headerFirst != first
                || (stream is { } s && s != headerStream))
            {
                if (f == files.Count - 1 && data.Length == 0)
                {
                    // Created just before a crash, before its header was written: nothing in it.
                    File.Delete(path);
                }
                else
                {
                    File.Move(path, path + ".damaged", overwrite: true);
                    LogDamagedSegment(_logger, path);
                }

                continue;
            }

            stream ??= headerStream;
            if (first <= lastSequence)
            {
                File.Move(path, path + ".damaged", overwrite: true);
                LogDamagedSegment(_logger, path);
                continue;
            }

            if (first > lastSequence + 1 && _segments.Count > 0 && first - 1 > trimmed)
            {
                // The previous segment's tail was lost in a power cut, so it was never committed, and neither was
                // anything after it (a commit syncs every written segment at once): nothing from here on was handed
                // out. Set it aside rather than leave a gap in the sequence.
                for (var rest = f; rest < files.Count; rest++)
                {
                    File.Move(files[rest].path, files[rest].path + ".uncommitted", overwrite: true);
                }

                LogUncommittedSegments(_logger, lastSequence + 1, first, files.Count - f);
                break;
            }

            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            var segment = new Segment(first, path, handle);
            var position = SegmentFormat.HeaderSize;
            var expected = first;
            while (SegmentFormat.TryReadRecord(data.AsSpan(position), out var r))
            {
                if (r.Type == SegmentFormat.EventType)
                {
                    if (r.A != expected)
                    {
                        break;
                    }

                    _pending.Add(new Pending(r.A, r.B, segment, position, r.Length));
                    _bytes += r.Length;
                    segment.LastSequence = r.A;
                    expected++;
                }
                else
                {
                    trimmed = Math.Max(trimmed, r.A);
                    _droppedTotal = Math.Max(_droppedTotal, r.B);
                }

                position += r.Length;
            }

            if (position < data.Length)
            {
                LogTornTail(_logger, path, data.Length - position, position);
                RandomAccess.SetLength(handle, position);
                NativeSync.DataSync(handle);
            }

            segment.Length = position;
            lastSequence = Math.Max(first - 1, segment.LastSequence);
            _segments.Add(segment);
        }

        if (_segments.Count == 0)
        {
            _stream = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) & 0xFFFF_FFFF_FFFFUL;
            StartSegmentLocked(1);
        }
        else
        {
            _stream = stream!.Value;
        }

        _lastSequence = lastSequence;
        _trimmedUpTo = Math.Min(trimmed, lastSequence);
        var keep = _pending.FindIndex(p => p.Sequence > _trimmedUpTo);
        var drop = keep < 0 ? _pending.Count : keep;
        for (var i = 0; i < drop; i++)
        {
            _bytes -= _pending[i].Length;
        }

        _pending.RemoveRange(0, drop);
        _trimWritten = trimmed;
        _trimDurable = trimmed;
        _droppedTotalWritten = _droppedTotal;

        // After a kill -9 the last records may still be only in the page cache: sync before calling them durable.
        foreach (var segment in _segments)
        {
            NativeSync.DataSync(segment.Handle);
        }

        NativeSync.SyncDirectory(_dir);
        _durableSequence = lastSequence;
        LogOpened(_logger, _dir, _pending.Count, _bytes, lastSequence);
    }

    /// <summary>The newest trim mark: every segment starts with one and they only grow, so the newest segment with
    /// a readable one has it. Needed before the scan: a gap left by a deleted segment is fine when it is trimmed.</summary>
    private static long NewestTrim(IEnumerable<string> segments)
    {
        foreach (var path in segments.Reverse())
        {
            var data = File.ReadAllBytes(path);
            if (!SegmentFormat.TryReadHeader(data, out _, out _))
            {
                continue;
            }

            long trim = -1;
            for (var position = SegmentFormat.HeaderSize; SegmentFormat.TryReadRecord(data.AsSpan(position), out var r); position += r.Length)
            {
                if (r.Type == SegmentFormat.TrimType)
                {
                    trim = Math.Max(trim, r.A);
                }
            }

            if (trim >= 0)
            {
                return trim;
            }
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Dir}: {Count} messages ({Bytes} bytes) waiting, last sequence {Last}")]
    private static partial void LogOpened(ILogger logger, string dir, int count, long bytes, long last);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox closed: {Count} messages left on disk, last sequence {Last}")]
    private static partial void LogClosed(ILogger logger, long count, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Path}: cut {Bytes} bytes of torn or damaged records at offset {Offset}")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Path}: unreadable segment set aside as .damaged")]
    private static partial void LogDamagedSegment(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: sequence {Missing} was never committed (power cut) but {First} follows it; {Files} uncommitted segments set aside")]
    private static partial void LogUncommittedSegments(ILogger logger, long missing, long first, int files);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Dir}: commit failed ({Reason}); retrying, nothing new is published meanwhile")]
    private static partial void LogCommitFailed(ILogger logger, string dir, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Dir}: commits succeed again")]
    private static partial void LogCommitRecovered(ILogger logger, string dir);

    private sealed class Segment(long firstSequence, string path, SafeFileHandle handle)
    {
        public long FirstSequence { get; } = firstSequence;

        public string Path { get; } = path;

        public SafeFileHandle Handle { get; } = handle;

        public long Length { get; set; }

        public long LastSequence { get; set; } = firstSequence - 1;

        public bool Dirty { get; set; }
    }

    private readonly record struct Pending(long Sequence, long UnixMs, Segment Segment, long Offset, int Length, bool Removed = false);
}
