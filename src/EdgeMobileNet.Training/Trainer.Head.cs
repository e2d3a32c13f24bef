using System.Buffers;
using System.Numerics.Tensors;

namespace EdgeMobileNet.Training;

/// <summary>The linear head on pooled features: standardisation and a full-batch convex fit.</summary>
internal static partial class Trainer
{
    /// <summary>Sets the standardisation from <paramref name="h"/> and fits V, D with penalty <paramref name="lambda"/>.</summary>
    public static void FitHead(HeadModel m, IReadOnlyList<float[]> h, int[] y, float lambda, int iterations)
    {
        var n = h.Count;
        var o = m.O;
        Array.Clear(m.Mean);
        foreach (var f in h)
        {
            TensorPrimitives.Add(m.Mean, f, m.Mean);
        }

        TensorPrimitives.Divide(m.Mean, n, m.Mean);
        var variance = new float[o];
        var d = new float[o];
        foreach (var f in h)
        {
            TensorPrimitives.Subtract(f, m.Mean, d);
            TensorPrimitives.MultiplyAdd(d, d, variance, variance);
        }

        // The int8 model quantises the pooled features per tensor (step = largest feature / 255): a feature whose
        // spread is no larger than that step is rounding noise there, so the step is added to every spread rather
        // than letting the standardisation amplify such features.
        var step = 0f;
        foreach (var f in h)
        {
            step = Math.Max(step, TensorPrimitives.Max(f));
        }

        step /= 255f;
        for (var i = 0; i < o; i++)
        {
            m.Scale[i] = 1f / MathF.Sqrt((variance[i] / n) + (step * step) + 1e-6f);
        }

        // The standardised features of all n images in one pooled block (n × o floats, about 10 MB for 2000 views):
        // this runs ten times per fit (the penalty's cross-validation and the fit), and fresh arrays each time
        // piled up as garbage that only full collections free.
        var pooled = ArrayPool<float>.Shared.Rent(n * o);
        try
        {
            FitStandardised(m, pooled.AsSpan(0, n * o), h, y, lambda, iterations);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pooled);
        }
    }

    private static void FitStandardised(HeadModel m, Span<float> xs, IReadOnlyList<float[]> h, int[] y, float lambda, int iterations)
    {
        var (n, o) = (h.Count, m.O);
        for (var i = 0; i < n; i++)
        {
            var row = xs.Slice(i * o, o);
            TensorPrimitives.Subtract(h[i], m.Mean, row);
            TensorPrimitives.Multiply(row, m.Scale, row);
        }

        Array.Clear(m.V);
        Array.Clear(m.D);
        var gV = new float[m.V.Length];
        var gD = new float[m.K];
        var adamV = new Adam(m.V.Length);
        var adamD = new Adam(m.K);
        var p = new float[m.K];
        for (var it = 0; it < iterations; it++)
        {
            TensorPrimitives.Multiply(m.V, lambda, gV);
            Array.Clear(gD);
            for (var i = 0; i < n; i++)
            {
                for (var k = 0; k < m.K; k++)
                {
                    p[k] = m.D[k] + TensorPrimitives.Dot(m.V.AsSpan(k * o, o), xs.Slice(i * o, o));
                }

                HeadModel.Softmax(p);
                p[y[i]] -= 1f;
                for (var k = 0; k < m.K; k++)
                {
                    var g = p[k] / n;
                    gD[k] += g;
                    TensorPrimitives.MultiplyAdd(xs.Slice(i * o, o), g, gV.AsSpan(k * o, o), gV.AsSpan(k * o, o));
                }
            }

            var rate = 0.05f * (1f - (0.9f * it / iterations));
            adamV.Step(m.V, gV, rate);
            adamD.Step(m.D, gD, rate);
        }
    }
}
