namespace EdgeMobileNet.Station.State;

/// <summary>
/// The run's shared state, the one thing observers (MQTT state, a web page, metrics) read: counters, latency, the
/// latest result, health. Written by the pipeline; this folder depends on nothing else in the station.
/// <see cref="ResultRecorded"/> fires for every classification (before the sinks get it).
/// </summary>
public sealed class RunState
{
    private ResultSnapshot? _latest;
    private int _exitCode;
    private Func<EventBacklog>? _backlog;
    private string _modelSha256 = "";

    public RunState(TimeProvider time)
    {
        Health = new StationHealth(time);
    }

    /// <summary>Distinguishes this run's event ids from earlier runs of the same station.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..12];

    public StationCounters Counters { get; } = new();

    public LatencyStats Latency { get; } = new();

    public StationHealth Health { get; }

    /// <summary>The newest classification; null before the first.</summary>
    public ResultSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>Events waiting for the broker (count, bytes, oldest age, dropped by the outbox's bounds); zero
    /// without MQTT.</summary>
    public EventBacklog Backlog => _backlog?.Invoke() ?? EventBacklog.None;

    /// <summary>Called once by the event outbox's owner.</summary>
    public void UseBacklog(Func<EventBacklog> source) => _backlog = source;

    /// <summary>Lower-case hex SHA-256 of the model classifying now (set at start and by each model deployment).</summary>
    public string ModelSha256
    {
        get => Volatile.Read(ref _modelSha256);
        set => Volatile.Write(ref _modelSha256, value);
    }

    /// <summary>Non-zero after a fault; the process exits with it.</summary>
    public int ExitCode
    {
        get => Volatile.Read(ref _exitCode);
        set => Volatile.Write(ref _exitCode, value);
    }

    /// <summary>Raised on the classifier loop's thread for every classification: keep handlers short.</summary>
    public event Action<ResultSnapshot>? ResultRecorded;

    /// <summary>Records one classification (counters, latency, latest) and tells the observers.</summary>
    public void Record(ClassificationResult result)
    {
        result.Number = Counters.AddClassified(result.Verdict);
        Latency.AddDecision(result.TotalMs);
        var snapshot = result.ToSnapshot();
        Volatile.Write(ref _latest, snapshot);
        ResultRecorded?.Invoke(snapshot);
    }

    public RunSnapshot Snapshot() => new(RunId, Health.Current, Counters.Snapshot(), Latency.Decision(), Latency.Output(), Latest, Backlog);
}

/// <summary>The event backlog at one moment.</summary>
/// <param name="Count">Events waiting (in flight included until acknowledged).</param>
/// <param name="Bytes">Bytes they take in the outbox.</param>
/// <param name="OldestAgeSeconds">Age of the oldest waiting event; 0 when none waits.</param>
/// <param name="Dropped">Events the outbox discarded (bounds reached, or a refused write).</param>
public sealed record EventBacklog(long Count, long Bytes, double OldestAgeSeconds, long Dropped)
{
    public static EventBacklog None { get; } = new(0, 0, 0, 0);
}

/// <summary>Everything an observer shows, at one moment.</summary>
public sealed record RunSnapshot(
    string RunId, HealthSnapshot Health, CountersSnapshot Counters, LatencySummary DecisionLatency,
    LatencySummary OutputLatency, ResultSnapshot? Latest, EventBacklog? Backlog = null);
