namespace EdgeMobileNet.Cli;

/// <summary>Latency summary of one benchmark series.</summary>
internal readonly record struct LatencySummary(double MedianMs, double P90Ms, double MinMs)
{
    /// <summary>Median (mean of the middle pair for even counts), nearest-rank p90, and minimum.</summary>
    public static LatencySummary Of(double[] samplesMs)
    {
        if (samplesMs.Length == 0)
        {
            throw new ArgumentException("no samples", nameof(samplesMs));
        }

        var sorted = (double[])samplesMs.Clone();
        Array.Sort(sorted);
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        var p90 = sorted[Math.Clamp((int)Math.Ceiling(0.9 * n) - 1, 0, n - 1)];
        return new LatencySummary(median, p90, sorted[0]);
    }
}
