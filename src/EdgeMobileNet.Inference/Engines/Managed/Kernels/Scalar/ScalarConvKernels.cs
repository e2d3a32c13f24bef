using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

/// <summary>
/// Portable reference kernels, always available. Loops are output-pixel major with output channels innermost (NHWC),
/// so the channel loop uses <see cref="Vector{T}"/> where it is a plain multiply-add; there is no fused multiply-add
/// so results do not depend on the CPU.
/// </summary>
internal sealed class ScalarConvKernels : IConvKernels
{
    public static readonly ScalarConvKernels Instance = new();

    public string Name => "scalar";

    public IQuantElementwiseKernels Elementwise => ScalarQuantElementwise.Instance;

    /// <summary>The reference needs no preparation: <see cref="ConvQuant"/> reads the reference layout.</summary>
    public IQuantConvKernel? PrepareQuant(QuantConvParameters parameters) => null;

    public void ConvFloat(
        in ConvShape s,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        float lo,
        float hi,
        ReadOnlySpan<float> residual,
        Span<float> output)
    {
        if (QuantGemmPacking.IsPointwise(s))
        {
            // Pointwise convolutions (and fully connected layers) reduce in MLAS's SGEMM order, as ONNX Runtime does,
            // which every ISA reproduces exactly with vector fused multiply-adds.
            Span<float> tmp = s.OutC <= 2048 ? stackalloc float[s.OutC] : new float[s.OutC];
            PointwiseMlas(s, QuantGemmPacking.MlasStrideK(s.OutH * s.OutW, s.InC), false, input, weights, bias, lo, hi, residual, tmp, output);
            return;
        }

        var cout = s.OutC;
        var cipg = s.InCPerGroup;
        var copg = s.OutCPerGroup;
        for (var oh = 0; oh < s.OutH; oh++)
        {
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var pixel = (oh * s.OutW) + ow;
                var acc = output.Slice(pixel * cout, cout);
                bias.CopyTo(acc);
                for (var kh = 0; kh < s.KH; kh++)
                {
                    var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
                    if ((uint)ih >= (uint)s.InH)
                    {
                        continue;
                    }

                    for (var kw = 0; kw < s.KW; kw++)
                    {
                        var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
                        if ((uint)iw >= (uint)s.InW)
                        {
                            continue;
                        }

                        var x = input.Slice(((ih * s.InW) + iw) * s.InC, s.InC);
                        var tap = ((kh * s.KW) + kw) * cipg * cout;
                        if (s.IsDepthwise)
                        {
                            MultiplyAdd(acc, x, weights.Slice(tap, cout));
                            continue;
                        }

                        for (var g = 0; g < s.Groups; g++)
                        {
                            var accGroup = acc.Slice(g * copg, copg);
                            var ci = 0;
                            for (; ci + 4 <= cipg; ci += 4)
                            {
                                var w = tap + (ci * cout) + (g * copg);
                                var xg = x.Slice((g * cipg) + ci, 4);
                                ScaleAdd4(accGroup, xg[0], xg[1], xg[2], xg[3], weights.Slice(w, copg), weights.Slice(w + cout, copg), weights.Slice(w + (2 * cout), copg), weights.Slice(w + (3 * cout), copg));
                            }

                            for (; ci < cipg; ci++)
                            {
                                ScaleAdd(accGroup, x[(g * cipg) + ci], weights.Slice(tap + (ci * cout) + (g * copg), copg));
                            }
                        }
                    }
                }

                for (var c = 0; c < acc.Length; c++)
                {
                    acc[c] = Math.Clamp(acc[c], lo, hi);
                }

                if (!residual.IsEmpty)
                {
                    Add(acc, residual.Slice(pixel * cout, cout));
                }
            }
        }
    }

    public void PointwiseFloatMlasOrder(
        in ConvShape s,
        int strideK,
        bool biasFirst,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        float lo,
        float hi,
        Span<float> block,
        Span<float> output) =>
        PointwiseMlas(s, strideK, biasFirst, input, weights, bias, lo, hi, ReadOnlySpan<float>.Empty, block, output);

    private static void PointwiseMlas(
        in ConvShape s,
        int strideK,
        bool biasFirst,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        float lo,
        float hi,
        ReadOnlySpan<float> residual,
        Span<float> block,
        Span<float> output)
    {
        var cout = s.OutC;
        var k = s.InC;
        var tmp = block[..cout];
        for (var p = 0; p < s.OutH * s.OutW; p++)
        {
            var x = input.Slice(p * k, k);
            var acc = output.Slice(p * cout, cout);
            if (biasFirst)
            {
                bias.CopyTo(acc);
            }

            for (var k0 = 0; k0 < k; k0 += strideK)
            {
                var first = k0 == 0 && !biasFirst;
                var chain = first ? acc : tmp;
                chain.Clear();
                var end = Math.Min(k, k0 + strideK);
                for (var c = k0; c < end; c++)
                {
                    FusedScaleAdd(chain, x[c], weights.Slice(c * cout, cout));
                }

                if (!first)
                {
                    for (var m = 0; m < cout; m++)
                    {
                        acc[m] += tmp[m];
                    }
                }
            }

            for (var m = 0; m < cout; m++)
            {
                acc[m] = Math.Clamp(biasFirst ? acc[m] : acc[m] + bias[m], lo, hi);
            }

            if (!residual.IsEmpty)
            {
                Add(acc, residual.Slice(p * cout, cout));
            }
        }
    }

    public void ConvQuant(
        in ConvShape s,
        ReadOnlySpan<byte> input,
        int inputZeroPoint,
        ReadOnlySpan<int> weights,
        ReadOnlySpan<int> bias,
        ReadOnlySpan<float> scales,
        int outputZeroPoint,
        int outputMin,
        int outputMax,
        Span<int> accumulator,
        Span<byte> output)
    {
        var cout = s.OutC;
        var cipg = s.InCPerGroup;
        var copg = s.OutCPerGroup;
        var acc = accumulator[..cout];
        var perChannel = scales.Length > 1;
        for (var oh = 0; oh < s.OutH; oh++)
        {
            for (var ow = 0; ow < s.OutW; ow++)
            {
                bias.CopyTo(acc);
                for (var kh = 0; kh < s.KH; kh++)
                {
                    var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
                    if ((uint)ih >= (uint)s.InH)
                    {
                        continue; // padding holds the input zero point: contributes exactly 0
                    }

                    for (var kw = 0; kw < s.KW; kw++)
                    {
                        var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
                        if ((uint)iw >= (uint)s.InW)
                        {
                            continue;
                        }

                        var x = input.Slice(((ih * s.InW) + iw) * s.InC, s.InC);
                        var tap = ((kh * s.KW) + kw) * cipg * cout;
                        if (s.IsDepthwise)
                        {
                            DepthwiseTap(acc, x, inputZeroPoint, weights.Slice(tap, cout));
                            continue;
                        }

                        for (var g = 0; g < s.Groups; g++)
                        {
                            var accGroup = acc.Slice(g * copg, copg);
                            var ci = 0;
                            for (; ci + 4 <= cipg; ci += 4)
                            {
                                var w = tap + (ci * cout) + (g * copg);
                                var xi = (g * cipg) + ci;
                                ScaleAdd4(
                                    accGroup,
                                    x[xi] - inputZeroPoint,
                                    x[xi + 1] - inputZeroPoint,
                                    x[xi + 2] - inputZeroPoint,
                                    x[xi + 3] - inputZeroPoint,
                                    weights.Slice(w, copg),
                                    weights.Slice(w + cout, copg),
                                    weights.Slice(w + (2 * cout), copg),
                                    weights.Slice(w + (3 * cout), copg));
                            }

                            for (; ci < cipg; ci++)
                            {
                                var xv = x[(g * cipg) + ci] - inputZeroPoint;
                                if (xv != 0)
                                {
                                    ScaleAdd(accGroup, xv, weights.Slice(tap + (ci * cout) + (g * copg), copg));
                                }
                            }
                        }
                    }
                }

                var y = output.Slice(((oh * s.OutW) + ow) * cout, cout);
                for (var c = 0; c < cout; c++)
                {
                    y[c] = Requantization.Requantize(acc[c], perChannel ? scales[c] : scales[0], outputZeroPoint, outputMin, outputMax);
                }
            }
        }
    }

    private static void MultiplyAdd(Span<float> acc, ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(acc);
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vw = MemoryMarshal.Cast<float, Vector<float>>(w);
            for (var v = 0; v < va.Length; v++)
            {
                va[v] += vx[v] * vw[v];
            }

            i = va.Length * Vector<float>.Count;
        }

        for (; i < acc.Length; i++)
        {
            acc[i] += x[i] * w[i];
        }
    }

    /// <summary>acc[c] += (x[c] - zp) * w[c], widening 8-bit inputs to int32 lanes.</summary>
    private static void DepthwiseTap(Span<int> acc, ReadOnlySpan<byte> x, int zeroPoint, ReadOnlySpan<int> w)
    {
        var c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vzp = new Vector<int>(zeroPoint);
            var n = Vector<int>.Count;
            for (; c + Vector<byte>.Count <= acc.Length; c += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(x[c..]), out var lo, out var hi);
                Vector.Widen(lo, out var a0, out var a1);
                Vector.Widen(hi, out var a2, out var a3);
                TapStep(acc, w, c, Vector.AsVectorInt32(a0) - vzp);
                TapStep(acc, w, c + n, Vector.AsVectorInt32(a1) - vzp);
                TapStep(acc, w, c + (2 * n), Vector.AsVectorInt32(a2) - vzp);
                TapStep(acc, w, c + (3 * n), Vector.AsVectorInt32(a3) - vzp);
            }
        }

        for (; c < acc.Length; c++)
        {
            acc[c] += (x[c] - zeroPoint) * w[c];
        }
    }

    private static void TapStep(Span<int> acc, ReadOnlySpan<int> w, int c, Vector<int> x)
    {
        var a = new Vector<int>(acc[c..]) + (x * new Vector<int>(w[c..]));
        a.CopyTo(acc[c..]);
    }

    /// <summary>acc[i] = fma(x, w[i], acc[i]) with a single rounding, vectorised or not.</summary>
    private static void FusedScaleAdd(Span<float> acc, float x, ReadOnlySpan<float> w)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(acc);
            var vw = MemoryMarshal.Cast<float, Vector<float>>(w);
            var vx = new Vector<float>(x);
            for (var v = 0; v < va.Length; v++)
            {
                va[v] = Vector.FusedMultiplyAdd(vx, vw[v], va[v]);
            }

            i = va.Length * Vector<float>.Count;
        }

        for (; i < acc.Length; i++)
        {
            acc[i] = MathF.FusedMultiplyAdd(x, w[i], acc[i]);
        }
    }

    /// <summary>acc += x · w over the channels (float and int32 share it: plain multiply-add, no fusion).</summary>
    private static void ScaleAdd<T>(Span<T> acc, T x, ReadOnlySpan<T> w)
        where T : unmanaged, INumber<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<T, Vector<T>>(acc);
            var vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            var vx = new Vector<T>(x);
            for (var v = 0; v < va.Length; v++)
            {
                va[v] += vx * vw[v];
            }

            i = va.Length * Vector<T>.Count;
        }

        for (; i < acc.Length; i++)
        {
            acc[i] += x * w[i];
        }
    }

    /// <summary>Four input channels per pass over the accumulators (a quarter of the loads and stores).</summary>
    private static void ScaleAdd4<T>(Span<T> acc, T x0, T x1, T x2, T x3, ReadOnlySpan<T> w0, ReadOnlySpan<T> w1, ReadOnlySpan<T> w2, ReadOnlySpan<T> w3)
        where T : unmanaged, INumber<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<T, Vector<T>>(acc);
            var v0 = MemoryMarshal.Cast<T, Vector<T>>(w0);
            var v1 = MemoryMarshal.Cast<T, Vector<T>>(w1);
            var v2 = MemoryMarshal.Cast<T, Vector<T>>(w2);
            var v3 = MemoryMarshal.Cast<T, Vector<T>>(w3);
            var (b0, b1, b2, b3) = (new Vector<T>(x0), new Vector<T>(x1), new Vector<T>(x2), new Vector<T>(x3));
            for (var v = 0; v < va.Length; v++)
            {
                va[v] += (b0 * v0[v]) + (b1 * v1[v]) + (b2 * v2[v]) + (b3 * v3[v]);
            }

            i = va.Length * Vector<T>.Count;
        }

        for (; i < acc.Length; i++)
        {
            acc[i] += (x0 * w0[i]) + (x1 * w1[i]) + (x2 * w2[i]) + (x3 * w3[i]);
        }
    }

    private static void Add(Span<float> acc, ReadOnlySpan<float> r)
    {
        for (var i = 0; i < acc.Length; i++)
        {
            acc[i] += r[i];
        }
    }
}
