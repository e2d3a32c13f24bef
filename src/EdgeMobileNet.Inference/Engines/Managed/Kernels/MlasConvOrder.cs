using System.Numerics;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// A float convolution that is not pointwise (depthwise, the stem, grouped) in the summation order ONNX Runtime's
/// x86-64 CPU provider uses for a Conv whose weights are not constant initialisers, which is the case in a
/// DequantizeLinear -> Conv -> QuantizeLinear group it leaves in float (int8 activations read twice, e.g. the depthwise
/// output a squeeze-excite block both pools and scales). Such a result is rounded to integers immediately, so its float
/// bits decide the quantised values.
/// <para>
/// MLAS runs such a conv group by group as im2col + SGEMM (<c>MlasConvOperation</c>): per group an M x K filter times a
/// K x pixels column matrix, K = (input channel, kernel row, kernel column) with the channel outermost and padded taps
/// present as zeros, the reduction split in blocks of <see cref="QuantGemmPacking.MlasStrideK"/> (from the whole
/// layer's pixel count), each block's result added to the previous ones, then the bias added and the clamp applied.
/// With one filter per group (M = 1: every depthwise conv) the SGEMM takes its M = 1 AVX kernel, which multiplies and
/// adds in separate roundings, four taps at a time: <c>part = ((p0 + p1) + p2) + p3</c>, <c>C = part + C</c>, then a
/// pair and a single tap for the rest of the block. With M &gt; 1 the SGEMM kernel is a fused multiply-add chain from
/// zero per block.
/// </para>
/// Every lane of these vector operations is one IEEE operation (multiply, add, fused multiply-add), so the bits do not
/// depend on the CPU or the vector width and one implementation serves every ISA; this path is only taken for the
/// float groups above, never for float models.
/// </summary>
internal static class MlasConvOrder
{
    /// <summary>The reduction block for a whole layer (parts of a split layer must pass the whole layer's).</summary>
    public static int StrideK(in ConvShape s) =>
        QuantGemmPacking.MlasStrideK(s.OutH * s.OutW, s.InCPerGroup * s.KH * s.KW);

    /// <summary>
    /// NHWC convolution, weights packed [kh][kw][cin/group][cout]; <paramref name="strideK"/> from
    /// <see cref="StrideK"/> of the whole layer.
    /// </summary>
    public static void Conv(
        in ConvShape s,
        int strideK,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        float lo,
        float hi,
        Span<float> output)
    {
        for (var oh = 0; oh < s.OutH; oh++)
        {
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var pixel = output.Slice(((oh * s.OutW) + ow) * s.OutC, s.OutC);
                if (s.IsDepthwise)
                {
                    DepthwisePixel(s, strideK, oh, ow, input, weights, pixel);
                }
                else
                {
                    GeneralPixel(s, strideK, oh, ow, input, weights, pixel);
                }

                for (var c = 0; c < s.OutC; c++)
                {
                    pixel[c] = Math.Clamp(pixel[c] + bias[c], lo, hi);
                }
            }
        }
    }

    /// <summary>Depthwise (M = 1 per group): the M = 1 kernel's grouping, vectorised over channels.</summary>
    private static void DepthwisePixel(in ConvShape s, int strideK, int oh, int ow, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, Span<float> pixel)
    {
        var k = s.KH * s.KW;
        var c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; c + Vector<float>.Count <= s.OutC; c += Vector<float>.Count)
            {
                var acc = Vector<float>.Zero;
                for (var k0 = 0; k0 < k; k0 += strideK)
                {
                    var end = Math.Min(k, k0 + strideK);
                    var t = k0;
                    for (; t + 4 <= end; t += 4)
                    {
                        var part = ((Product(s, input, weights, oh, ow, t, c) + Product(s, input, weights, oh, ow, t + 1, c))
                            + Product(s, input, weights, oh, ow, t + 2, c)) + Product(s, input, weights, oh, ow, t + 3, c);
                        acc = part + acc;
                    }

                    if (((end - t) & 2) != 0)
                    {
                        acc = (Product(s, input, weights, oh, ow, t, c) + Product(s, input, weights, oh, ow, t + 1, c)) + acc;
                        t += 2;
                    }

                    if (t < end)
                    {
                        acc = Product(s, input, weights, oh, ow, t, c) + acc;
                    }
                }

                acc.CopyTo(pixel[c..]);
            }
        }

        for (; c < s.OutC; c++)
        {
            pixel[c] = M1Chain(s, strideK, input, weights, oh, ow, c);
        }
    }

    private static Vector<float> Product(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, int oh, int ow, int tap, int c)
    {
        var kh = tap / s.KW;
        var kw = tap % s.KW;
        var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
        var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
        var x = (uint)ih < (uint)s.InH && (uint)iw < (uint)s.InW
            ? new Vector<float>(input.Slice((((ih * s.InW) + iw) * s.InC) + c, Vector<float>.Count))
            : Vector<float>.Zero;
        return new Vector<float>(weights.Slice((tap * s.OutC) + c, Vector<float>.Count)) * x;
    }

    /// <summary>Any group shape, one output at a time: M = 1 grouping when a group has one filter, else FMA chains.</summary>
    private static void GeneralPixel(in ConvShape s, int strideK, int oh, int ow, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, Span<float> pixel)
    {
        var k = s.InCPerGroup * s.KH * s.KW;
        for (var c = 0; c < s.OutC; c++)
        {
            if (s.OutCPerGroup == 1)
            {
                pixel[c] = M1Chain(s, strideK, input, weights, oh, ow, c);
                continue;
            }

            var acc = 0f;
            for (var k0 = 0; k0 < k; k0 += strideK)
            {
                var chain = 0f;
                for (var t = k0; t < Math.Min(k, k0 + strideK); t++)
                {
                    var (x, w) = TapAndWeight(s, input, weights, oh, ow, c, t);
                    chain = MathF.FusedMultiplyAdd(w, x, chain);
                }

                acc = chain + acc;
            }

            pixel[c] = acc;
        }
    }

    /// <summary>
    /// Output channel <paramref name="c"/>'s input value (0 for a padded tap) and weight at MLAS's K index
    /// <paramref name="t"/> = (ci * KH + kh) * KW + kw; our packed weights are [kh][kw][ci][cout].
    /// </summary>
    private static (float X, float W) TapAndWeight(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, int oh, int ow, int c, int t)
    {
        var kernel = s.KH * s.KW;
        var ci = t / kernel;
        var kh = t % kernel / s.KW;
        var kw = t % s.KW;
        var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
        var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
        var channel = (c / s.OutCPerGroup * s.InCPerGroup) + ci;
        var x = (uint)ih < (uint)s.InH && (uint)iw < (uint)s.InW ? input[(((ih * s.InW) + iw) * s.InC) + channel] : 0f;
        return (x, weights[(((((kh * s.KW) + kw) * s.InCPerGroup) + ci) * s.OutC) + c]);
    }

    private static float P(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, int oh, int ow, int c, int t)
    {
        var (x, w) = TapAndWeight(s, input, weights, oh, ow, c, t);
        return w * x;
    }

    /// <summary>The M = 1 kernel's grouping of output channel <paramref name="c"/>'s K products.</summary>
    private static float M1Chain(in ConvShape s, int strideK, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, int oh, int ow, int c)
    {
        var k = s.InCPerGroup * s.KH * s.KW;
        var acc = 0f;
        for (var k0 = 0; k0 < k; k0 += strideK)
        {
            var end = Math.Min(k, k0 + strideK);
            var t = k0;
            for (; t + 4 <= end; t += 4)
            {
                acc = (((P(s, input, weights, oh, ow, c, t) + P(s, input, weights, oh, ow, c, t + 1)) + P(s, input, weights, oh, ow, c, t + 2))
                    + P(s, input, weights, oh, ow, c, t + 3)) + acc;
            }

            if (((end - t) & 2) != 0)
            {
                acc = (P(s, input, weights, oh, ow, c, t) + P(s, input, weights, oh, ow, c, t + 1)) + acc;
                t += 2;
            }

            if (t < end)
            {
                acc = P(s, input, weights, oh, ow, c, t) + acc;
            }
        }

        return acc;
    }
}
