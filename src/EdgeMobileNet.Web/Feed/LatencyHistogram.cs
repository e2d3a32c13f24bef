using EdgeMobileNet.Station.State;
using EdgeMobileNet.Web.Api;

namespace EdgeMobileNet.Web.Feed;

/// <summary>Counts of total, inference and preprocess latency per fixed bucket since start, for the page's chart.</summary>
internal sealed class LatencyHistogram
{
    /// <summary>Upper bounds in ms; a last bucket holds everything above.</summary>
    public static readonly double[] BoundsMs = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 200, 500, 1000];

    private readonly Lock _gate = new();
    private readonly long[] _total = new long[BoundsMs.Length + 1];
    private readonly long[] _inference = new long[BoundsMs.Length + 1];
    private readonly long[] _preprocess = new long[BoundsMs.Length + 1];
    private readonly double[] _recentTotals = new double[1024];
    private long _count;

    public void Add(ResultSnapshot r)
    {
        lock (_gate)
        {
            _total[Bucket(r.TotalMs)]++;
            _inference[Bucket(r.InferenceMs)]++;
            _preprocess[Bucket(r.PreprocessMs)]++;
            _recentTotals[_count % _recentTotals.Length] = r.TotalMs;
            _count++;
        }
    }

    public LatencyDto Snapshot()
    {
        double[] recent;
        LatencyDto dto;
        lock (_gate)
        {
            recent = _recentTotals[..(int)Math.Min(_count, _recentTotals.Length)];
            dto = new LatencyDto(BoundsMs, [.. _total], [.. _inference], [.. _preprocess], null, null);
        }

        if (recent.Length == 0)
        {
            return dto;
        }

        Array.Sort(recent);
        return dto with { TotalP50Ms = Rank(recent, 0.5), TotalP99Ms = Rank(recent, 0.99) };
    }

    private static int Bucket(double ms)
    {
        var i = Array.BinarySearch(BoundsMs, ms);
        return i >= 0 ? i : ~i;
    }

    private static double Rank(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);
}
