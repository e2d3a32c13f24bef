using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Systemd;

/// <summary>Why the pipeline did or did not make progress in the last watchdog period.</summary>
internal enum PipelineHealth
{
    /// <summary>Frames arrived and the classifier either finished one or is idle by design.</summary>
    Progressing,

    /// <summary>No frame arrived from the source in the whole period (camera or its command hung).</summary>
    NoFrames,

    /// <summary>One classification (inference, outputs, event) has been running for the whole period.</summary>
    ClassifierStuck,

    /// <summary>The capture or classifier loop has ended while the host is still running.</summary>
    LoopEnded,
}

/// <summary>
/// Decides, once per watchdog period, whether the pipeline made progress since the previous decision. The rule is the
/// same for every trigger mode: a frame was captured in the period, and the classifier loop is alive and either
/// finished a frame in the period or is not busy with one. In continuous mode that means frames were classified; in
/// gpio and mqtt mode, where no frame is classified until a part passes, it means the camera delivers and the loop
/// sits waiting for a trigger rather than inside a classification that never returns. A timer alone proves nothing,
/// so nothing here is fed by one.
/// </summary>
internal sealed class HeartbeatMonitor
{
    private readonly PipelineHeartbeat _heartbeat;
    private readonly StationCounters _counters;
    private readonly TimeProvider _time;
    private readonly Func<bool> _loopsRunning;
    private long _frames;
    private long _completed;
    private long _lastCheck;

    public HeartbeatMonitor(PipelineHeartbeat heartbeat, StationCounters counters, TimeProvider time, Func<bool> loopsRunning)
    {
        _heartbeat = heartbeat;
        _counters = counters;
        _time = time;
        _loopsRunning = loopsRunning;
        Reset();
    }

    /// <summary>Starts a new period now (at start-up: the pipeline gets one full period to deliver its first frame).</summary>
    public void Reset()
    {
        _frames = _counters.Frames;
        _completed = _heartbeat.Completed;
        _lastCheck = _time.GetTimestamp();
    }

    /// <summary>Judges the period since the previous call (or <see cref="Reset"/>) and starts the next one.</summary>
    public PipelineHealth Check()
    {
        var frames = _counters.Frames;
        var completed = _heartbeat.Completed;
        var busySince = _heartbeat.BusySince;
        var periodStart = _lastCheck;

        var health = !_loopsRunning() ? PipelineHealth.LoopEnded
            : frames == _frames ? PipelineHealth.NoFrames
            : completed == _completed && busySince is { } since && since < periodStart ? PipelineHealth.ClassifierStuck
            : PipelineHealth.Progressing;

        _frames = frames;
        _completed = completed;
        _lastCheck = _time.GetTimestamp();
        return health;
    }
}
