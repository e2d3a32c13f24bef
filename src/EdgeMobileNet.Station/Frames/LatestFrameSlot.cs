using System.Collections.Concurrent;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// Latest-frame-wins hand-over between one capture thread and one classifier: a triple buffer (the source writes
/// the back buffer, the newest complete frame waits in the ready buffer, the classifier owns the front buffer).
/// Publishing over an unread ready frame drops it (counted when <see cref="CountsDrops"/>), so the classifier always
/// gets the newest frame and latency stays bounded. Triggers instead claim "the first frame captured after
/// the edge" with <see cref="RequestNextFrame"/>, which copies that frame aside; in trigger mode the last few
/// published frames are kept (by rotating buffers) so a trigger handled late still finds it. No allocation per frame.
/// </summary>
internal sealed class LatestFrameSlot
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly StationCounters _counters;
    private readonly SemaphoreSlim _frameAvailable = new(0, 1);
    private readonly SemaphoreSlim _consumed = new(0, 1);
    private readonly List<FrameRequest> _requests = [];
    private readonly ConcurrentBag<FrameBuffer> _requestBuffers = [];
    private FrameBuffer _back = new();
    private FrameBuffer _ready = new();
    private FrameBuffer _front = new();
    private readonly FrameBuffer?[] _recent = new FrameBuffer?[4];
    private int _recentNext;
    private bool _fresh;
    private bool _ended;
    private long _sequence;

    public LatestFrameSlot(TimeProvider time, StationCounters counters)
    {
        _time = time;
        _counters = counters;
    }

    /// <summary>True when frames overwritten before being taken count as dropped (continuous mode).</summary>
    public bool CountsDrops { get; set; } = true;

    public long LastSequence => Volatile.Read(ref _sequence);

    /// <summary>True once a finite source has delivered its last frame.</summary>
    public bool Ended => Volatile.Read(ref _ended);

    /// <summary>The buffer the (single) source fills next; valid until <see cref="Publish"/>.</summary>
    public FrameBuffer BeginWrite() => _back;

    /// <summary>Makes the back buffer the newest frame, stamping its sequence and capture time: the camera's
    /// <paramref name="captureTimestamp"/> (a <see cref="TimeProvider"/> timestamp) when it has one, else now.</summary>
    public long Publish(long? captureTimestamp = null)
    {
        long seq;
        lock (_gate)
        {
            seq = ++_sequence;
            var published = _back;
            published.Sequence = seq;
            published.CaptureTimestamp = captureTimestamp ?? _time.GetTimestamp();
            if (_fresh && CountsDrops)
            {
                _counters.AddDropped();
            }

            if (CountsDrops)
            {
                (_back, _ready) = (_ready, _back);
            }
            else
            {
                // Trigger mode: nothing takes the ready frame; it joins the recent frames (buffers rotate, nothing
                // is copied) so a trigger handled late still gets the first frame captured after its edge.
                var evicted = _recent[_recentNext] ?? new FrameBuffer();
                _recent[_recentNext] = _ready;
                _recentNext = (_recentNext + 1) % _recent.Length;
                (_ready, _back) = (published, evicted);
            }

            _fresh = true;
            for (var i = _requests.Count - 1; i >= 0; i--)
            {
                // At or after the edge: a frame published after the request and stamped in the same clock tick counts.
                if (published.CaptureTimestamp >= _requests[i].Edge)
                {
                    _requests[i].Complete(published);
                    _requests.RemoveAt(i);
                }
            }
        }

        _counters.AddFrame();
        Signal(_frameAvailable);
        return seq;
    }

    /// <summary>Marks a finite source as finished and wakes the classifier.</summary>
    public void End()
    {
        Volatile.Write(ref _ended, true);
        Signal(_frameAvailable);
        lock (_gate)
        {
            foreach (var request in _requests)
            {
                request.Cancel();
            }

            _requests.Clear();
        }
    }

    /// <summary>Waits for a frame newer than the last one taken and returns it (owned by the caller until the next
    /// call). Returns null when the source has ended and nothing new remains.</summary>
    public async ValueTask<FrameBuffer?> TakeLatestAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_fresh)
                {
                    (_front, _ready) = (_ready, _front);
                    _fresh = false;
                    Signal(_consumed);
                    return _front;
                }

                if (_ended)
                {
                    return null;
                }
            }

            await _frameAvailable.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lossless sources wait here until the classifier has taken the frame they published.</summary>
    public async ValueTask WaitUntilTakenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (!_fresh)
                {
                    return;
                }
            }

            await _consumed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Claims the first frame captured after <paramref name="edge"/> (a trigger's frame; a
    /// <see cref="TimeProvider"/> timestamp, now when null): one already published if a recent frame was captured
    /// after the edge, else the first one published with a capture time at or after it. Return the buffer with
    /// <see cref="ReturnBuffer"/> once classified.</summary>
    public FrameRequest RequestNextFrame(long? edge = null)
    {
        var request = new FrameRequest(_requestBuffers.TryTake(out var buffer) ? buffer : new FrameBuffer(), edge ?? _time.GetTimestamp());
        lock (_gate)
        {
            if (_ended)
            {
                request.Cancel();
            }
            else if (edge is not null && FirstRecentAfter(request.Edge) is { } recent)
            {
                request.Complete(recent);
            }
            else
            {
                _requests.Add(request);
            }
        }

        return request;
    }

    public void ReturnBuffer(FrameBuffer buffer) => _requestBuffers.Add(buffer);

    /// <summary>The oldest already-published frame captured after <paramref name="edge"/> (trigger mode only).</summary>
    private FrameBuffer? FirstRecentAfter(long edge)
    {
        if (CountsDrops)
        {
            return null;
        }

        FrameBuffer? first = null;
        foreach (var f in _recent.Append(_ready))
        {
            if (f is { Sequence: > 0 } && f.CaptureTimestamp > edge && (first is null || f.Sequence < first.Sequence))
            {
                first = f;
            }
        }

        return first;
    }

    private static void Signal(SemaphoreSlim semaphore) => BinarySignal.Set(semaphore);
}
