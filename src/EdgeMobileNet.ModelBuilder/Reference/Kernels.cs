using System.Numerics;
using System.Runtime.InteropServices;
using EdgeMobileNet.ModelBuilder.Network;

namespace EdgeMobileNet.ModelBuilder.Reference;

/// <summary>
/// Plain float NCHW kernels for one image, written for clarity first: direct convolution as a sum of shifted,
/// scaled input rows (vectorised along the row), which is fast enough to calibrate a 224x224 MobileNet in seconds.
/// </summary>
internal static class Kernels
{
    /// <summary>Convolution with bias; no activation. Input [Cin,H,W], output [Cout,Ho,Wo].</summary>
    public static void Conv(ConvOp op, ReadOnlySpan<float> input, (int C, int H, int W) inShape, Span<float> output, (int C, int H, int W) outShape)
    {
        var (h, w) = (inShape.H, inShape.W);
        var (ho, wo) = (outShape.H, outShape.W);
        var k = op.Kernel;
        var s = op.Stride;
        var pads = op.EffectivePads;
        var (padTop, padLeft) = (pads[0], pads[1]);
        var inPerGroup = op.InPerGroup;
        var outPerGroup = op.OutChannels / op.Groups;
        var plane = ho * wo;
        for (var oc = 0; oc < op.OutChannels; oc++)
        {
            var dst = output.Slice(oc * plane, plane);
            dst.Fill(op.Bias[oc]);
            var group = oc / outPerGroup;
            for (var icg = 0; icg < inPerGroup; icg++)
            {
                var src = input.Slice((group * inPerGroup + icg) * h * w, h * w);
                var wBase = ((oc * inPerGroup) + icg) * k * k;
                if (k == 1 && s == 1 && padTop == 0 && padLeft == 0)
                {
                    Axpy(dst, src, op.Weights[wBase]);
                    continue;
                }

                for (var ky = 0; ky < k; ky++)
                {
                    for (var kx = 0; kx < k; kx++)
                    {
                        var weight = op.Weights[wBase + ky * k + kx];
                        if (weight == 0)
                        {
                            continue;
                        }

                        // Output columns whose input column ox*s - padLeft + kx lies inside the row.
                        var oxStart = Math.Max(0, CeilDiv(padLeft - kx, s));
                        var oxEnd = Math.Min(wo, FloorDiv(w - 1 + padLeft - kx, s) + 1);
                        if (oxEnd <= oxStart)
                        {
                            continue;
                        }

                        for (var oy = 0; oy < ho; oy++)
                        {
                            var iy = oy * s - padTop + ky;
                            if ((uint)iy >= (uint)h)
                            {
                                continue;
                            }

                            var row = dst.Slice(oy * wo, wo);
                            var ixStart = oxStart * s - padLeft + kx;
                            if (s == 1)
                            {
                                Axpy(row[oxStart..oxEnd], src.Slice(iy * w + ixStart, oxEnd - oxStart), weight);
                            }
                            else
                            {
                                var inRow = src.Slice(iy * w, w);
                                for (int ox = oxStart, ix = ixStart; ox < oxEnd; ox++, ix += s)
                                {
                                    row[ox] += weight * inRow[ix];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public static void GlobalAveragePool(ReadOnlySpan<float> input, int channels, int plane, Span<float> output)
    {
        for (var c = 0; c < channels; c++)
        {
            double sum = 0;
            foreach (var v in input.Slice(c * plane, plane))
            {
                sum += v;
            }

            output[c] = (float)(sum / plane);
        }
    }

    /// <summary>y = W x + b with W [out, in].</summary>
    public static void Gemm(GemmOp op, ReadOnlySpan<float> input, Span<float> output)
    {
        for (var o = 0; o < op.OutFeatures; o++)
        {
            output[o] = op.Bias[o] + Dot(op.Weights.AsSpan(o * op.InFeatures, op.InFeatures), input);
        }
    }

    public static void Activate(Span<float> values, Activation activation)
    {
        if (activation == Activation.None)
        {
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ActivationFunctions.Apply(activation, values[i]);
        }
    }

    private static void Axpy(Span<float> dst, ReadOnlySpan<float> src, float a)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && dst.Length >= Vector<float>.Count)
        {
            var va = new Vector<float>(a);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(dst);
            var vs = MemoryMarshal.Cast<float, Vector<float>>(src);
            for (var j = 0; j < vd.Length; j++)
            {
                vd[j] += va * vs[j];
            }

            i = vd.Length * Vector<float>.Count;
        }

        for (; i < dst.Length; i++)
        {
            dst[i] += a * src[i];
        }
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
