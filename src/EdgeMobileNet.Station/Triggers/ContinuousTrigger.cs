using EdgeMobileNet.Station.Frames;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>Classifies the newest frame, at most <c>rate</c> times a second (0: every new frame).</summary>
internal sealed class ContinuousTrigger : ITriggerSource
{
    private readonly LatestFrameSlot _slot;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private long _next;

    public ContinuousTrigger(LatestFrameSlot slot, double rate, TimeProvider time)
    {
        _slot = slot;
        _time = time;
        _interval = rate > 0 ? TimeSpan.FromSeconds(1 / rate) : TimeSpan.Zero;
    }

    public string Name => "continuous";

    public bool CountsDrops => true;

    public void Start() => _next = _time.GetTimestamp();

    public async ValueTask<TriggeredFrame?> NextAsync(CancellationToken cancellationToken)
    {
        if (_interval > TimeSpan.Zero)
        {
            var wait = -_time.GetElapsedTime(_next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        var frame = await _slot.TakeLatestAsync(cancellationToken).ConfigureAwait(false);
        if (frame is null)
        {
            return null;
        }

        // Rate limit from the moment a frame was taken, so a slow source does not cause a burst later.
        _next = _time.GetTimestamp() + (long)(_interval.TotalSeconds * _time.TimestampFrequency);
        return new TriggeredFrame(frame, Name, frame.CaptureTimestamp);
    }

    public void Release(TriggeredFrame frame)
    {
        // The slot owns continuous frames.
    }

    public void Dispose()
    {
    }
}
