namespace EdgeMobileNet.Station.State;

/// <summary>Running totals of this run (published in `state`, shown by observers). Updated from several threads.</summary>
public sealed class StationCounters
{
    private readonly long[] _perVerdict = new long[Enum.GetValues<Verdict>().Length];
    private long _frames;
    private long _classified;
    private long _dropped;
    private long _triggers;
    private long _eventsDropped;
    private long _skipped;

    /// <summary>Frames delivered by the source.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    public long Classified => Interlocked.Read(ref _classified);

    /// <summary>Frames overwritten by a newer one before being classified (continuous mode).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Triggers => Interlocked.Read(ref _triggers);

    /// <summary>Events discarded because the outbox was full during a broker outage.</summary>
    public long EventsDropped => Interlocked.Read(ref _eventsDropped);

    /// <summary>Inputs the source could not read (an unreadable image) and skipped.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public void AddFrame() => Interlocked.Increment(ref _frames);

    public void AddDropped() => Interlocked.Increment(ref _dropped);

    public void AddTrigger() => Interlocked.Increment(ref _triggers);

    public void AddEventDropped() => Interlocked.Increment(ref _eventsDropped);

    public void AddSkipped() => Interlocked.Increment(ref _skipped);

    public long AddClassified(Verdict verdict)
    {
        Interlocked.Increment(ref _perVerdict[(int)verdict]);
        return Interlocked.Increment(ref _classified);
    }

    public long ForVerdict(Verdict verdict) => Interlocked.Read(ref _perVerdict[(int)verdict]);

    /// <summary>A consistent-enough copy for observers (each value is read atomically).</summary>
    public CountersSnapshot Snapshot() => new(
        Frames, Classified, Dropped, Triggers, EventsDropped, Skipped,
        Enum.GetValues<Verdict>().ToDictionary(v => v.Name(), ForVerdict));
}

/// <summary>The counters at one moment.</summary>
public sealed record CountersSnapshot(
    long Frames, long Classified, long Dropped, long Triggers, long EventsDropped, long Skipped,
    IReadOnlyDictionary<string, long> Verdicts);
