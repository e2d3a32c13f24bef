namespace EdgeMobileNet.Station.State;

/// <summary>A latency distribution summary in milliseconds; the percentiles are null when there are no samples.</summary>
public sealed record LatencySummary(int Count, double? P50, double? P99);

/// <summary>Keeps recent latency samples (ms): trigger → verdict, and trigger → output (pulse start minus its
/// configured delay). A fixed ring, so a long run keeps the newest samples without growing.</summary>
public sealed class LatencyStats
{
    private const int Capacity = 65_536;
    private readonly Lock _gate = new();
    private readonly double[] _decision = new double[Capacity];
    private readonly double[] _output = new double[Capacity];
    private long _decisionCount;
    private long _outputCount;

    public void AddDecision(double ms) => Add(_decision, ref _decisionCount, ms);

    public void AddOutput(double ms)
    {
        Add(_output, ref _outputCount, ms);
        OutputAdded?.Invoke(ms);
    }

    /// <summary>Raised for every trigger → output sample (metrics); on the thread that drove the output.</summary>
    public event Action<double>? OutputAdded;

    public LatencySummary Decision() => Summarise(_decision, _decisionCount);

    public LatencySummary Output() => Summarise(_output, _outputCount);

    private void Add(double[] ring, ref long count, double ms)
    {
        lock (_gate)
        {
            ring[count % Capacity] = ms;
            count++;
        }
    }

    private LatencySummary Summarise(double[] ring, long count)
    {
        double[] copy;
        lock (_gate)
        {
            copy = ring[..(int)Math.Min(count, Capacity)];
        }

        if (copy.Length == 0)
        {
            return new LatencySummary(0, null, null);
        }

        Array.Sort(copy);
        return new LatencySummary(copy.Length, Percentile(copy, 0.50), Percentile(copy, 0.99));
    }

    // Nearest-rank percentile: an observed value, not an interpolation.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
