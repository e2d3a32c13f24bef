using System.Globalization;
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

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private Span<byte> Scratch(int size)
    {
        if (_buffer.Length < size)
        {
            _buffer = new byte[Math.Max(size, _buffer.Length * 2)];
        }

        return _buffer.AsSpan(0, size);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox closed: {Count} messages left on disk, last sequence {Last}")]
    private static partial void LogClosed(ILogger logger, long count, long last);

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
