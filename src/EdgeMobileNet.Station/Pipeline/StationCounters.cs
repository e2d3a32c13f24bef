using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Running totals published in the retained `state` message. Updated from several threads.</summary>
internal sealed class StationCounters
{
    private readonly long[] _perVerdict = new long[StationOptionsValidator.Verdicts.Length];
    private long _frames;
    private long _classified;
    private long _dropped;
    private long _triggers;
    private long _eventsDropped;

    public long Frames => Interlocked.Read(ref _frames);

    public long Classified => Interlocked.Read(ref _classified);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Triggers => Interlocked.Read(ref _triggers);

    /// <summary>Events discarded because the outbox was full during a broker outage.</summary>
    public long EventsDropped => Interlocked.Read(ref _eventsDropped);

    public void AddFrame() => Interlocked.Increment(ref _frames);

    public void AddDropped() => Interlocked.Increment(ref _dropped);

    public void AddTrigger() => Interlocked.Increment(ref _triggers);

    public void AddEventDropped() => Interlocked.Increment(ref _eventsDropped);

    public long AddClassified(Verdict verdict)
    {
        Interlocked.Increment(ref _perVerdict[(int)verdict]);
        return Interlocked.Increment(ref _classified);
    }

    public long ForVerdict(Verdict verdict) => Interlocked.Read(ref _perVerdict[(int)verdict]);
}
