namespace EdgeMobileNet.Station.Systemd;

/// <summary>
/// What the classifier loop reports for the watchdog: when it starts and finishes acting on a frame. Together with the
/// capture counter this tells a pipeline that is idle by design (waiting for a trigger, or for the rate limit) from
/// one that is stuck (no frames arrive, or a classification never returns). See <see cref="HeartbeatMonitor"/>.
/// </summary>
internal sealed class PipelineHeartbeat
{
    private readonly TimeProvider _time;
    private long _busySince;
    private long _completed;
    private int _loopsEnded;

    public PipelineHeartbeat(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Frames the loop has finished acting on.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>When the frame in hand was picked up (a <see cref="TimeProvider"/> timestamp); null while the loop is
    /// waiting for a frame or a trigger.</summary>
    public long? BusySince => Interlocked.Read(ref _busySince) is var t and not 0 ? t : null;

    /// <summary>False once the capture or the classifier loop has ended (for whatever reason).</summary>
    public bool LoopsAlive => Volatile.Read(ref _loopsEnded) == 0;

    /// <summary>A pipeline loop (capture, classification) has returned.</summary>
    public void LoopEnded() => Interlocked.Increment(ref _loopsEnded);

    /// <summary>The loop picked up a frame and is classifying and acting on it.</summary>
    public void Begin() => Interlocked.Exchange(ref _busySince, Math.Max(1, _time.GetTimestamp()));

    /// <summary>The loop is done with the frame (whatever the outcome) and goes back to waiting.</summary>
    public void End()
    {
        Interlocked.Increment(ref _completed);
        Interlocked.Exchange(ref _busySince, 0);
    }
}
