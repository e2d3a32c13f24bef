using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>Classifies the newest frame, at most <c>rate</c> times a second (0: every new frame). With live settings
/// the rate is read per frame (`cmd/set` `rate`) and a pause (`paused`) waits here, without counting the frames
/// nobody takes meanwhile as dropped.</summary>
internal sealed class ContinuousTrigger : ITriggerSource
{
    private readonly LatestFrameSlot _slot;
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly LiveSettings? _live;
    private long _next;

    public ContinuousTrigger(LatestFrameSlot slot, double rate, TimeProvider time, LiveSettings? live = null)
    {
        _slot = slot;
        _time = time;
        _rate = rate;
        _live = live;
    }

    public string Name => "continuous";

    public bool CountsDrops => true;

    public void Start() => _next = _time.GetTimestamp();

    public async ValueTask<TriggeredFrame?> NextAsync(CancellationToken cancellationToken)
    {
        if (_live is { Paused: true })
        {
            _slot.CountsDrops = false;
            await _live.WhenRunningAsync(cancellationToken).ConfigureAwait(false);
            _slot.CountsDrops = true;
        }

        var rate = _live?.Current.Rate ?? _rate;
        if (rate > 0)
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
        _next = _time.GetTimestamp() + (rate > 0 ? (long)(_time.TimestampFrequency / rate) : 0);
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
