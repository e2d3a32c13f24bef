using System.Collections.Concurrent;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// Latest-frame-wins hand-over between one capture thread and one classifier: a triple buffer (the source writes
/// the back buffer, the newest complete frame waits in the ready buffer, the classifier owns the front buffer).
/// Publishing over an unread ready frame drops it (counted when <see cref="CountsDrops"/>), so the classifier always
/// gets the newest frame and latency stays bounded. Triggers instead claim "the first frame after now" with
/// <see cref="RequestNextFrame"/>, which copies that frame aside. No allocation per frame.
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

    /// <summary>Makes the back buffer the newest frame, stamping sequence and capture time.</summary>
    public long Publish()
    {
        long seq;
        lock (_gate)
        {
            seq = ++_sequence;
            _back.Sequence = seq;
            _back.CaptureTimestamp = _time.GetTimestamp();
            if (_fresh && CountsDrops)
            {
                _counters.AddDropped();
            }

            (_back, _ready) = (_ready, _back);
            _fresh = true;
            foreach (var request in _requests)
            {
                request.Complete(_ready);
            }

            _requests.Clear();
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

    /// <summary>Claims the first frame published after this call (a trigger's frame). Return the buffer with
    /// <see cref="ReturnBuffer"/> once classified.</summary>
    public FrameRequest RequestNextFrame()
    {
        var request = new FrameRequest(_requestBuffers.TryTake(out var buffer) ? buffer : new FrameBuffer());
        lock (_gate)
        {
            if (_ended)
            {
                request.Cancel();
            }
            else
            {
                _requests.Add(request);
            }
        }

        return request;
    }

    public void ReturnBuffer(FrameBuffer buffer) => _requestBuffers.Add(buffer);

    private static void Signal(SemaphoreSlim semaphore)
    {
        // A binary signal: one pending release is enough to wake the single waiter.
        if (semaphore.CurrentCount == 0)
        {
            try
            {
                semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Raced with another release; the waiter is already signalled.
            }
        }
    }
}
