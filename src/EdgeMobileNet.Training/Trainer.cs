using System.Numerics.Tensors;

namespace EdgeMobileNet.Training;

/// <summary>Float training of <see cref="HeadModel"/>: the linear head on pooled features (convex, full batch),
/// then optionally all of it on cached cut activations (mini-batch backpropagation through head, pooling and the
/// 1x1 convolution). Deterministic for a given seed and input order; the thread count does not change results.</summary>
internal static partial class Trainer
{
    /// <summary>The penalty with the lowest held-out log loss over <paramref name="innerFolds"/> folds (ties: the
    /// stronger penalty). Folds are interleaved by position within each class.</summary>
    public static float ChooseLambda(HeadModel template, IReadOnlyList<float[]> h, int[] y, TrainerSettings settings, int innerFolds = 3)
    {
        if (settings.Lambdas.Length == 1)
        {
            return settings.Lambdas[0];
        }

        var fold = new int[y.Length];
        var seen = new int[template.K];
        for (var i = 0; i < y.Length; i++)
        {
            fold[i] = seen[y[i]]++ % innerFolds;
        }

        var best = settings.Lambdas[^1];
        var bestLoss = double.MaxValue;
        foreach (var lambda in settings.Lambdas.OrderByDescending(l => l))
        {
            double loss = 0;
            for (var f = 0; f < innerFolds; f++)
            {
                var train = Enumerable.Range(0, y.Length).Where(i => fold[i] != f).ToArray();
                var test = Enumerable.Range(0, y.Length).Where(i => fold[i] == f).ToArray();
                if (train.Length == 0 || test.Length == 0)
                {
                    continue;
                }

                var m = template.Clone();
                FitHead(m, train.Select(i => h[i]).ToList(), train.Select(i => y[i]).ToArray(), lambda, settings.HeadIterations);
                var std = new float[m.O];
                var p = new float[m.K];
                foreach (var i in test)
                {
                    m.Logits(h[i], std, p);
                    HeadModel.Softmax(p);
                    loss -= Math.Log(Math.Max(p[y[i]], 1e-7f));
                }
            }

            if (loss < bestLoss - 1e-9)
            {
                bestLoss = loss;
                best = lambda;
            }
        }

        return best;
    }

    /// <summary>Backpropagation through the head, the pooling and the 1x1 convolution on cut activations
    /// (position-major), in mini-batches computed as matrix products.</summary>
    public static void FineTune(HeadModel m, ActivationView x, int[] y, float lambda, TrainerSettings settings, Action<int, int>? progress = null)
    {
        var n = x.Count;
        var (c, o, k, s) = (m.C, m.O, m.K, m.S);
        var bs = settings.BatchSize;
        var w0 = (float[])m.W.Clone();
        var gW = new float[m.W.Length];
        var gB = new float[o];
        var gV = new float[m.V.Length];
        var gD = new float[k];
        var adamW = new Adam(m.W.Length);
        var adamB = new Adam(o);
        var adamV = new Adam(m.V.Length);
        var adamD = new Adam(k);
        var wt = new float[c * o];
        var packed = new float[o * c];
        var xt = new float[bs * s * c];
        var z = new float[bs * s * o];
        var dzt = new float[o * bs * s];
        var h = new float[bs * o];
        var hs = new float[o];
        var dh = new float[bs * o];
        var p = new float[k];
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new Random(settings.Seed);
        var steps = settings.Epochs * ((n + bs - 1) / bs);
        var step = 0;
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            rng.Shuffle(order);
            for (var start = 0; start < n; start += bs)
            {
                var batch = order.AsSpan(start, Math.Min(bs, n - start));
                var count = batch.Length;
                var rows = count * s;
                m.TransposedWeights(wt);
                m.ForwardBatch(x, batch, wt, xt, z, h, settings.Threads);

                // Penalties: lambda on the head weights, decay towards the trained convolution.
                TensorPrimitives.Multiply(m.V, lambda, gV);
                TensorPrimitives.Subtract(m.W, w0, gW);
                TensorPrimitives.Multiply(gW, settings.ConvDecay, gW);
                Array.Clear(gB);
                Array.Clear(gD);
                for (var b = 0; b < count; b++)
                {
                    var hb = h.AsSpan(b * o, o);
                    m.Logits(hb, hs, p);
                    HeadModel.Softmax(p);
                    p[y[batch[b]]] -= 1f;
                    var dhb = dh.AsSpan(b * o, o);
                    dhb.Clear();
                    for (var kk = 0; kk < k; kk++)
                    {
                        var g = p[kk] / count;
                        gD[kk] += g;
                        TensorPrimitives.MultiplyAdd(hs, g, gV.AsSpan(kk * o, o), gV.AsSpan(kk * o, o));
                        TensorPrimitives.MultiplyAdd(m.V.AsSpan(kk * o, o), g, dhb, dhb);
                    }

                    // Through the standardisation and the mean over positions.
                    TensorPrimitives.Multiply(dhb, m.Scale, dhb);
                    TensorPrimitives.Divide(dhb, s, dhb);
                }

                // dZ (transposed, [O, rows]): through the power and the clip, in tiles of 16 rows × 64 channels so
                // the strided writes stay in cache.
                for (var r0 = 0; r0 < rows; r0 += 16)
                {
                    var r1 = Math.Min(rows, r0 + 16);
                    for (var o0 = 0; o0 < o; o0 += 64)
                    {
                        var o1 = Math.Min(o, o0 + 64);
                        for (var r = r0; r < r1; r++)
                        {
                            var zr = z.AsSpan(r * o, o);
                            var dhb = dh.AsSpan(r / s * o, o);
                            for (var oo = o0; oo < o1; oo++)
                            {
                                var v = zr[oo];
                                dzt[(oo * rows) + r] = v > 0f && v < m.ClipMax ? dhb[oo] * m.PowDerivative(v) : 0f;
                            }
                        }
                    }
                }

                for (var oo = 0; oo < o; oo++)
                {
                    gB[oo] = TensorPrimitives.Sum(dzt.AsSpan(oo * rows, rows));
                }

                AddWeightGradient(dzt, rows, xt, gW, packed, o, c, settings.Threads);

                var decay = 1f - (0.9f * step / steps);
                adamW.Step(m.W, gW, settings.ConvRate * decay);
                adamB.Step(m.B, gB, settings.ConvRate * decay);
                adamV.Step(m.V, gV, settings.HeadRate * decay);
                adamD.Step(m.D, gD, settings.HeadRate * decay);
                step++;
                progress?.Invoke(step, steps);
            }
        }
    }

    /// <summary>
    /// gW += dZᵀ·X, skipping the output channels whose gradient is zero at every position of the batch (inactive
    /// under the clip: dead or saturated channels are common in the last layer). Their rows of dZᵀ are squeezed out
    /// in place and the product runs on the active rows only; a skipped row would have added exact zeros, so the
    /// result has the same bits as the full product.
    /// </summary>
    private static void AddWeightGradient(float[] dzt, int rows, float[] xt, float[] gW, float[] packed, int o, int c, int threads)
    {
        var active = 0;
        Span<int> map = o <= 4096 ? stackalloc int[o] : new int[o];
        for (var oo = 0; oo < o; oo++)
        {
            var row = dzt.AsSpan(oo * rows, rows);
            if (row.IndexOfAnyExcept(0f) < 0)
            {
                continue;
            }

            if (active != oo)
            {
                row.CopyTo(dzt.AsSpan(active * rows, rows));
            }

            gW.AsSpan(oo * c, c).CopyTo(packed.AsSpan(active * c, c));
            map[active++] = oo;
        }

        MatMul.Multiply(dzt.AsSpan(0, active * rows), xt.AsSpan(0, rows * c), packed.AsSpan(0, active * c), active, rows, c, threads);
        for (var i = 0; i < active; i++)
        {
            packed.AsSpan(i * c, c).CopyTo(gW.AsSpan(map[i] * c, c));
        }
    }
}
