namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// The load-time layout of the x86 paired-tap depthwise path (<see cref="Avx512QuantDepthwise"/>,
/// <see cref="Avx2QuantDepthwise"/>). Taps are taken two at a time; both input vectors are widened to int16 and
/// interleaved word by word (vpunpcklwd / vpunpckhwd), so one vpmaddwd against the packed pair
/// (w[t] low, w[t+1] high) gives x[t]w[t] + x[t+1]w[t+1] per channel exactly; an odd last tap is paired with itself
/// under a zero weight. The interleave works within 128-bit lanes, so of a group of 2 x <c>lanes</c> channels the
/// "low" accumulator holds channels 0-3, 8-11, ... and the "high" one 4-7, 12-15, ...; weights, bias and scales
/// are stored in that order and vpackssdw restores channel order. The input zero point is folded into the bias
/// (bias - zx * sum of the taps' weights, wrapping in int32 like the reference), which holds only where every tap is
/// inside the image (or where a padded tap reads the zero point itself).
/// </summary>
internal sealed class QuantDepthwisePairs
{
    public QuantDepthwisePairs(QuantConvParameters p, int lanes)
    {
        var s = p.Shape;
        var block = 2 * lanes;
        var taps = s.KH * s.KW;
        TapPairs = (taps + 1) / 2;
        TapOffsets = new int[2 * TapPairs];
        for (var t = 0; t < 2 * TapPairs; t++)
        {
            var tap = Math.Min(t, taps - 1);
            TapOffsets[t] = (((tap / s.KW) * s.DilationH * s.InW) + ((tap % s.KW) * s.DilationW)) * s.OutC;
        }

        // A ragged channel end is one more group ending at the last channel (it recomputes a few identically); group g
        // starts at channel min(g * block, c - block), as the driver walks them.
        var c = s.OutC;
        var groups = (c + block - 1) / block;
        var groupStarts = Enumerable.Range(0, groups).Select(g => Math.Min(g * block, c - block)).ToArray();
        Weights = new int[groups * TapPairs * block];
        Bias = new int[groups * block];
        Scales = new float[groups * block];
        for (var g = 0; g < groups; g++)
        {
            for (var i = 0; i < block; i++)
            {
                var channel = groupStarts[g] + (8 * ((i % lanes) / 4)) + (i % 4) + (i >= lanes ? 4 : 0);
                var sum = 0;
                for (var t = 0; t < taps; t++)
                {
                    sum += p.Weights[(t * c) + channel];
                }

                Bias[(g * block) + i] = p.Bias[channel] - (p.InputZeroPoint * sum);
                Scales[(g * block) + i] = p.Scales.Length == 1 ? p.Scales[0] : p.Scales[channel];
                for (var q = 0; q < TapPairs; q++)
                {
                    var w0 = p.Weights[(2 * q * c) + channel];
                    var w1 = (2 * q) + 1 < taps ? p.Weights[(((2 * q) + 1) * c) + channel] : 0;
                    Weights[(((g * TapPairs) + q) * block) + i] = (ushort)(short)w0 | (w1 << 16);
                }
            }
        }
    }

    /// <summary>
    /// The paired path needs at least one full group, weights within int16 (centred 8-bit always are) and a kernel of
    /// at most 256 taps (a border pixel's tap offsets are rebuilt per pixel).
    /// </summary>
    public static bool Applies(QuantConvParameters p, int lanes) =>
        p.Shape.OutC >= 2 * lanes && p.WeightsFitInt16 && p.Shape.KH * p.Shape.KW <= 256;

    public int TapPairs { get; }

    /// <summary>Input offset of each tap (two per pair) from the window's top-left tap, in bytes.</summary>
    public int[] TapOffsets { get; }

    /// <summary>[group][pair][slot] packed int16 weight pairs, slots in the interleaved channel order.</summary>
    public int[] Weights { get; }

    /// <summary>[group][slot] bias with the input zero point folded in.</summary>
    public int[] Bias { get; }

    /// <summary>[group][slot] requantisation scales.</summary>
    public float[] Scales { get; }

    public long Bytes => (Weights.Length + Bias.Length + Scales.Length + TapOffsets.Length) * 4L;
}
