namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

internal static class Logits
{
    public static int ArgMax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }

        return best;
    }

    public static int[] TopK(float[] v, int k) =>
        [.. Enumerable.Range(0, v.Length).OrderByDescending(i => v[i]).Take(k)];

    public static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }

    public static double Std(float[] v)
    {
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }

    /// <summary>Largest |a - b| relative to the largest |a|.</summary>
    public static double RelativeError(float[] expected, float[] actual)
    {
        var scale = expected.Max(Math.Abs);
        return expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) / scale;
    }

    /// <summary>NCHW [3,R,R] to NHWC [R,R,3].</summary>
    public static float[] ToNhwc(float[] nchw, int r)
    {
        var nhwc = new float[nchw.Length];
        for (var c = 0; c < 3; c++)
        {
            for (var p = 0; p < r * r; p++)
            {
                nhwc[p * 3 + c] = nchw[c * r * r + p];
            }
        }

        return nhwc;
    }
}
