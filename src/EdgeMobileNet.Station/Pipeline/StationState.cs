using EdgeMobileNet.Station.Decisions;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Run-wide facts shared by the pipeline and the publisher.</summary>
internal sealed class StationState
{
    private int _lastVerdict = -1;
    private int _exitCode;

    /// <summary>Distinguishes this run's event ids from earlier runs of the same station.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..12];

    public Verdict? LastVerdict
    {
        get => Volatile.Read(ref _lastVerdict) is var v and >= 0 ? (Verdict)v : null;
        set => Volatile.Write(ref _lastVerdict, value is { } v ? (int)v : -1);
    }

    /// <summary>Non-zero after a pipeline fault; the process exits with it.</summary>
    public int ExitCode
    {
        get => Volatile.Read(ref _exitCode);
        set => Volatile.Write(ref _exitCode, value);
    }
}
