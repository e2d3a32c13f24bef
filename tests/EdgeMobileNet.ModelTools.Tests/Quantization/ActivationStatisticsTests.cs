using EdgeMobileNet.ModelTools.Quantization;

namespace EdgeMobileNet.ModelTools.Tests.Quantization;

public sealed class ActivationStatisticsTests
{
    private static float[] Gaussian(int n, int seed, double sigma)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()))).ToArray();
    }

    [Fact]
    public void MinMax_is_exact_and_the_histogram_grows_when_larger_values_arrive()
    {
        var s = new ActivationStatistics();
        s.Add([0.5f, 1f, -0.25f]);
        s.Add([40f, -3f]); // forces several doublings of both sides
        Assert.Equal((-3f, 40f), s.Range(CalibrationMethod.MinMax));
        Assert.Equal(5, s.Count);
        var (lo, hi) = s.Range(CalibrationMethod.Percentile, 100);
        Assert.InRange(hi, 40f, 40f * (1 + (2.0f / ActivationStatistics.Bins)));
        Assert.InRange(lo, -3f * (1 + (4.0f / ActivationStatistics.Bins)) - 0.1f, -3f);
    }

    [Fact]
    public void Percentile_matches_the_sorted_data_within_a_bin()
    {
        var data = Gaussian(200_000, 1, 2.0).Select(Math.Abs).ToArray();
        var s = new ActivationStatistics();
        foreach (var chunk in data.Chunk(10_000))
        {
            s.Add(chunk);
        }

        var sorted = data.Order().ToArray();
        var exact = sorted[(int)(0.999 * sorted.Length)];
        var (_, hi) = s.Range(CalibrationMethod.Percentile, 99.9);
        Assert.InRange(hi, exact - 0.02f, exact + (2 * sorted[^1] / ActivationStatistics.Bins) + 0.02f);
        Assert.True(hi < sorted[^1], "the percentile clips the tail");
    }

    [Fact]
    public void Mse_clips_long_tails_but_keeps_a_uniform_range()
    {
        var tailed = new ActivationStatistics();
        var g = Gaussian(1_000_000, 2, 1.0);
        g[0] = 30f; // one outlier in a million: its clipping costs less than the coarser grid would
        tailed.Add(g);
        var (lo, hi) = tailed.Range(CalibrationMethod.Mse);
        Assert.True(hi < 15f && hi > 3f, $"hi {hi}");
        Assert.True(lo > tailed.Min, $"lo {lo}");

        var uniform = new ActivationStatistics();
        var r = new Random(3);
        uniform.Add(Enumerable.Range(0, 100_000).Select(_ => (float)(r.NextDouble() * 6)).ToArray());
        var (ulo, uhi) = uniform.Range(CalibrationMethod.Mse);
        Assert.Equal(0f, ulo);
        Assert.InRange(uhi, 5.8f, 6f);
    }

    [Fact]
    public void Non_finite_activations_are_refused()
    {
        var s = new ActivationStatistics();
        Assert.Throws<QuantizationException>(() => s.Add([1f, float.NaN]));
    }
}
