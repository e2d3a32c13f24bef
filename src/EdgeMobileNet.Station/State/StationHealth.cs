namespace EdgeMobileNet.Station.State;

/// <summary>Where the station is in its life. Names in `state.status` are the lower-case enum names.</summary>
public enum HealthStatus
{
    /// <summary>Checking settings, loading the model, opening pins.</summary>
    Starting,

    /// <summary>Every part works.</summary>
    Running,

    /// <summary>Still classifying, or able to, but something needs attention (see the reasons).</summary>
    Degraded,

    /// <summary>A fault stopped the pipeline (see the reason); outputs are at their safe level.</summary>
    Fault,

    /// <summary>Stopped on request (signal, Station:MaxFrames, end of a finite source).</summary>
    Stopped,
}

/// <summary>The health at one moment: status, the reason (fault) or reasons (degraded), since when.</summary>
public sealed record HealthSnapshot(HealthStatus Status, string? Reason, IReadOnlyList<string> Reasons, DateTimeOffset Since)
{
    public string StatusName => Status.ToString().ToLowerInvariant();
}

/// <summary>
/// The station's health as one state machine. Parts of the station raise and clear named conditions
/// (<see cref="Raise"/>, <see cref="Clear"/>): any raised condition makes a running station `degraded` with the
/// conditions' texts as reasons. A fault is final for the run, and a stop after a fault stays a fault.
/// <see cref="Changed"/> fires on every change of status or reasons.
/// </summary>
public sealed class StationHealth
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly SortedDictionary<string, string> _conditions = new(StringComparer.Ordinal);
    private HealthSnapshot _current;

    public StationHealth(TimeProvider time)
    {
        _time = time;
        _current = new HealthSnapshot(HealthStatus.Starting, null, [], time.GetUtcNow());
    }

    /// <summary>Raised after the health changed, with the new health (on the thread that changed it).</summary>
    public event Action<HealthSnapshot>? Changed;

    public HealthSnapshot Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Start-up is over: the pipeline runs.</summary>
    public void Started() => Update(s => s == HealthStatus.Starting ? HealthStatus.Running : s, null);

    /// <summary>Raises (or updates the text of) a condition that degrades the station, e.g. ("frames", "no frames for 5 s").</summary>
    public void Raise(string condition, string reason)
    {
        lock (_gate)
        {
            if (_conditions.TryGetValue(condition, out var old) && old == reason)
            {
                return;
            }

            _conditions[condition] = reason;
        }

        Update(s => s, null);
    }

    /// <summary>Clears a condition; the station is `running` again once none remains.</summary>
    public void Clear(string condition)
    {
        lock (_gate)
        {
            if (!_conditions.Remove(condition))
            {
                return;
            }
        }

        Update(s => s, null);
    }

    public bool IsRaised(string condition)
    {
        lock (_gate)
        {
            return _conditions.ContainsKey(condition);
        }
    }

    /// <summary>A fault: the pipeline cannot go on. The first fault's reason is kept.</summary>
    public void Fault(string reason) => Update(s => HealthStatus.Fault, reason);

    /// <summary>A requested stop; after a fault the status stays `fault`.</summary>
    public void Stopped() => Update(s => s == HealthStatus.Fault ? s : HealthStatus.Stopped, null);

    private void Update(Func<HealthStatus, HealthStatus> next, string? faultReason)
    {
        HealthSnapshot updated;
        lock (_gate)
        {
            var old = _current;
            var baseStatus = old.Status == HealthStatus.Degraded ? HealthStatus.Running : old.Status;
            var status = next(baseStatus);
            if (status == HealthStatus.Running && _conditions.Count > 0)
            {
                status = HealthStatus.Degraded;
            }

            var reasons = status is HealthStatus.Running or HealthStatus.Degraded ? _conditions.Values.ToArray() : [];
            var reason = old.Status == HealthStatus.Fault ? old.Reason
                : status == HealthStatus.Fault ? faultReason
                : reasons.Length > 0 ? string.Join("; ", reasons) : null;
            if (status == old.Status && reason == old.Reason && reasons.SequenceEqual(old.Reasons))
            {
                return;
            }

            updated = new HealthSnapshot(status, reason, reasons, status == old.Status ? old.Since : _time.GetUtcNow());
            _current = updated;
        }

        Changed?.Invoke(updated);
    }
}
