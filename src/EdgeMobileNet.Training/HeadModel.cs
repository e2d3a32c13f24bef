using System.Numerics;
using System.Numerics.Tensors;

namespace EdgeMobileNet.Training;

/// <summary>
/// The trained part: the backbone's last 1x1 convolution (C→O, clipped activation), generalised-mean pooling of
/// power <see cref="Power"/> without the final root (h = mean over positions of y^p; the root is monotonic and the
/// linear head absorbs the scale, and the int8 graph needs no Pow), per-feature standardisation and a linear
/// classifier (K classes). Float arithmetic; <see cref="HeadExporter"/> writes it as ONNX.
/// </summary>
public sealed class HeadModel
{
    public HeadModel(int channels, int outChannels, int classes, int positions, int power, float clipMax)
    {
        C = channels;
        O = outChannels;
        K = classes;
        S = positions;
        Power = power;
        ClipMax = clipMax;
        W = new float[O * C];
        B = new float[O];
        V = new float[K * O];
        D = new float[K];
        Mean = new float[O];
        Scale = Enumerable.Repeat(1f, O).ToArray();
    }

    public int C { get; }

    public int O { get; }

    public int K { get; }

    public int S { get; }

    public int Power { get; }

    public float ClipMax { get; }

    /// <summary>Convolution weights [O, C] and bias [O].</summary>
    public float[] W { get; }

    public float[] B { get; }

    /// <summary>Classifier weights [K, O] applied to standardised features ((h - Mean) * Scale), and bias [K].</summary>
    public float[] V { get; }

    public float[] D { get; }

    public float[] Mean { get; }

    public float[] Scale { get; }

    public HeadModel Clone()
    {
        var m = new HeadModel(C, O, K, S, Power, ClipMax);
        W.CopyTo(m.W, 0);
        B.CopyTo(m.B, 0);
        V.CopyTo(m.V, 0);
        D.CopyTo(m.D, 0);
        Mean.CopyTo(m.Mean, 0);
        Scale.CopyTo(m.Scale, 0);
        return m;
    }

    /// <summary>Cut activations [C, S] (channel-major, as the backbone writes them) to position-major [S, C].</summary>
    public static float[] ToPositionMajor(ReadOnlySpan<float> x, int channels)
    {
        var positions = x.Length / channels;
        var xt = new float[x.Length];
        for (var c = 0; c < channels; c++)
        {
            for (var s = 0; s < positions; s++)
            {
                xt[(s * channels) + c] = x[(c * positions) + s];
            }
        }

        return xt;
    }

    /// <summary>Position-major back to channel-major.</summary>
    public static float[] ToChannelMajor(ReadOnlySpan<float> xt, int channels)
    {
        var positions = xt.Length / channels;
        var x = new float[xt.Length];
        for (var s = 0; s < positions; s++)
        {
            for (var c = 0; c < channels; c++)
            {
                x[(c * positions) + s] = xt[(s * channels) + c];
            }
        }

        return x;
    }

    /// <summary>W transposed to [C, O] (the right-hand side of the batched product), into
    /// <paramref name="wt"/> when given (fine-tuning re-transposes every step without allocating).</summary>
    public float[] TransposedWeights(float[]? wt = null)
    {
        wt ??= new float[C * O];
        for (var o = 0; o < O; o++)
        {
            for (var c = 0; c < C; c++)
            {
                wt[(c * O) + o] = W[(o * C) + c];
            }
        }

        return wt;
    }

    /// <summary>
    /// Convolution of <paramref name="count"/> images (position-major activations, <paramref name="views"/>[idx])
    /// as one product: z [count*S, O] before the clip, and pooled features h [count, O].
    /// </summary>
    internal void ForwardBatch(ActivationView views, ReadOnlySpan<int> idx, float[] wt, float[] xt, float[] z, float[] h, int threads)
    {
        var count = idx.Length;
        for (var b = 0; b < count; b++)
        {
            views.CopyTo(idx[b], xt.AsSpan(b * S * C, S * C));
            for (var s = 0; s < S; s++)
            {
                B.CopyTo(z.AsSpan(((b * S) + s) * O, O));
            }
        }

        MatMul.Multiply(xt.AsSpan(0, count * S * C), wt, z.AsSpan(0, count * S * O), count * S, C, O, threads);
        for (var b = 0; b < count; b++)
        {
            var hb = h.AsSpan(b * O, O);
            hb.Clear();
            for (var s = 0; s < S; s++)
            {
                var zr = z.AsSpan(((b * S) + s) * O, O);
                var o = 0;
                if (Power == 1)
                {
                    // The same per-feature sum in the same order, a vector of features at a time.
                    var (lo, hi) = (Vector<float>.Zero, new Vector<float>(ClipMax));
                    for (; o + Vector<float>.Count <= O; o += Vector<float>.Count)
                    {
                        var acc = new Vector<float>(hb[o..]);
                        (acc + Vector.Min(Vector.Max(new Vector<float>(zr[o..]), lo), hi)).CopyTo(hb[o..]);
                    }
                }

                for (; o < O; o++)
                {
                    hb[o] += Pow(Math.Clamp(zr[o], 0f, ClipMax));
                }
            }

            TensorPrimitives.Divide(hb, S, hb);
        }
    }

    /// <summary>Pooled features of every view (position-major activations), in batches.</summary>
    internal float[][] PoolAll(ActivationView views, int threads, Action<int>? progress = null, Action<float[], int>? observeZ = null)
    {
        const int batch = 16;
        var wt = TransposedWeights();
        var xt = new float[batch * S * C];
        var z = new float[batch * S * O];
        var h = new float[batch * O];
        var result = new float[views.Count][];
        var idx = new int[batch];
        for (var start = 0; start < views.Count; start += batch)
        {
            var n = Math.Min(batch, views.Count - start);
            for (var b = 0; b < n; b++)
            {
                idx[b] = start + b;
            }

            ForwardBatch(views, idx.AsSpan(0, n), wt, xt, z, h, threads);
            observeZ?.Invoke(z, n * S * O);
            for (var b = 0; b < n; b++)
            {
                result[start + b] = h.AsSpan(b * O, O).ToArray();
            }

            progress?.Invoke(start + n);
        }

        return result;
    }

    public float Pow(float y) => Power switch
    {
        1 => y,
        2 => y * y,
        _ => y * y * y,
    };

    /// <summary>d(y^p)/dy.</summary>
    public float PowDerivative(float y) => Power switch
    {
        1 => 1f,
        2 => 2f * y,
        _ => 3f * y * y,
    };

    /// <summary>Logits from pooled features.</summary>
    public void Logits(ReadOnlySpan<float> h, Span<float> standardised, Span<float> logits)
    {
        TensorPrimitives.Subtract(h, Mean, standardised);
        TensorPrimitives.Multiply(standardised, Scale, standardised);
        for (var k = 0; k < K; k++)
        {
            logits[k] = D[k] + TensorPrimitives.Dot(V.AsSpan(k * O, O), standardised);
        }
    }

    public static void Softmax(Span<float> logits)
    {
        var max = TensorPrimitives.Max(logits);
        var sum = 0f;
        for (var k = 0; k < logits.Length; k++)
        {
            logits[k] = MathF.Exp(logits[k] - max);
            sum += logits[k];
        }

        for (var k = 0; k < logits.Length; k++)
        {
            logits[k] /= sum;
        }
    }
}
