namespace EdgeMobileNet.Capture.Frames;

/// <summary>A frame copied out of the capture path, with its capture time.</summary>
internal sealed class StoredFrame
{
    public byte[] Data { get; private set; } = [];

    public int Length { get; private set; }

    public CaptureFormat Format { get; private set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public int Stride { get; private set; }

    public long TimestampNs { get; private set; }

    public long Sequence { get; private set; }

    public CapturedFrame AsCaptured() => new(Data.AsSpan(0, Length), Format, Width, Height, Stride, TimestampNs, Sequence);

    internal void CopyFrom(in CapturedFrame frame)
    {
        if (Data.Length < frame.Data.Length)
        {
            Data = new byte[frame.Data.Length];
        }

        frame.Data.CopyTo(Data);
        (Length, Format, Width, Height, Stride, TimestampNs, Sequence) =
            (frame.Data.Length, frame.Format, frame.Width, frame.Height, frame.Stride, frame.TimestampNs, frame.Sequence);
    }

    internal StoredFrame Clone()
    {
        var copy = new StoredFrame();
        copy.CopyFrom(AsCaptured());
        return copy;
    }
}

/// <summary>
/// The last few frames with their capture times, so a trigger can be answered with the first frame captured
/// <em>after its edge</em> (libgpiod edge timestamps and V4L2 buffer timestamps are both CLOCK_MONOTONIC), not the
/// first frame that happened to be read after the edge was noticed: by the time a trigger is handled, one or two
/// frames taken after the edge may already have gone by. Buffers are recycled; only an answer is a fresh copy.
/// Thread-safe: the capture thread adds, trigger handlers ask.
/// </summary>
internal sealed class FrameHistory
{
    private readonly Lock _gate = new();
    private readonly StoredFrame[] _ring;
    private readonly List<(long EdgeNs, TaskCompletionSource<EdgeFrame> Waiter)> _waiters = [];
    private int _next;
    private int _count;
    private long _evictedNs = long.MinValue;

    public FrameHistory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new StoredFrame[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _ring[i] = new StoredFrame();
        }
    }

    /// <summary>Stores a frame (capture order) and answers waiting triggers whose edge it follows.</summary>
    public void Add(in CapturedFrame frame)
    {
        List<(TaskCompletionSource<EdgeFrame>, EdgeFrame)>? answers = null;
        lock (_gate)
        {
            var slot = _ring[_next];
            if (_count == _ring.Length)
            {
                _evictedNs = slot.TimestampNs;
            }
            else
            {
                _count++;
            }

            slot.CopyFrom(frame);
            _next = (_next + 1) % _ring.Length;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (frame.TimestampNs > _waiters[i].EdgeNs)
                {
                    (answers ??= []).Add((_waiters[i].Waiter, new EdgeFrame(slot.Clone(), Late: false)));
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (answers is not null)
        {
            foreach (var (waiter, answer) in answers)
            {
                waiter.TrySetResult(answer);
            }
        }
    }

    /// <summary>The first stored frame captured after <paramref name="edgeNs"/>; <c>Late</c> when frames after the
    /// edge were already evicted (the history is too short for the trigger's latency), null when none is stored yet.</summary>
    public EdgeFrame? FirstAfter(long edgeNs)
    {
        lock (_gate)
        {
            return FirstAfterLocked(edgeNs);
        }
    }

    /// <summary><see cref="FirstAfter"/>, or the next frame to arrive after the edge.</summary>
    public Task<EdgeFrame> FirstAfterAsync(long edgeNs, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (FirstAfterLocked(edgeNs) is { } stored)
            {
                return Task.FromResult(stored);
            }

            var tcs = new TaskCompletionSource<EdgeFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((edgeNs, tcs));
            cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    _waiters.RemoveAll(w => w.Waiter == tcs);
                }

                tcs.TrySetCanceled(cancellationToken);
            });
            return tcs.Task;
        }
    }

    private EdgeFrame? FirstAfterLocked(long edgeNs)
    {
        // Oldest to newest: the ring starts at _next once full, at 0 before.
        var start = _count == _ring.Length ? _next : 0;
        for (var k = 0; k < _count; k++)
        {
            var f = _ring[(start + k) % _ring.Length];
            if (f.TimestampNs > edgeNs)
            {
                return new EdgeFrame(f.Clone(), Late: k == 0 && _evictedNs > edgeNs);
            }
        }

        return null;
    }
}

/// <summary>The frame answering a trigger; <paramref name="Late"/> when earlier frames after the edge were lost.</summary>
internal sealed record EdgeFrame(StoredFrame Frame, bool Late);
