using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Layout shared by the x86 integer GEMM kernels (vpmaddwd): the K x N weight matrix becomes blocks of
/// <c>blockWidth</c> output channels; within a block, for each pair of reduction rows (k, k+1), one int32 per output
/// channel holding w[k] in its low 16 bits and w[k+1] in its high 16 bits. Inputs are prepared the same way (one int32
/// per pair), so a broadcast input pair times a weight vector gives, per channel, x[k]w[k] + x[k+1]w[k+1] exactly.
/// Missing rows (odd K) and channels (N not a multiple of the block) are zero.
/// </summary>
internal static class QuantGemmPacking
{
    // One packed copy per (reference weights, block width): the planner prepares the same convolution for several
    // row windows (threads, strips), which must not multiply the weight memory.
    private static readonly ConditionalWeakTable<int[], Dictionary<int, int[]>> Shared = [];

    public static int Pairs(int k) => (k + 1) / 2;

    /// <summary><see cref="Pack"/>, returning the same array for the same weights and block width.</summary>
    public static int[] PackShared(int[] w, int k, int n, int blockWidth)
    {
        var byWidth = Shared.GetValue(w, _ => []);
        lock (byWidth)
        {
            if (!byWidth.TryGetValue(blockWidth, out var packed))
            {
                packed = Pack(w, k, n, blockWidth);
                byWidth[blockWidth] = packed;
            }

            return packed;
        }
    }

    public static int Blocks(int n, int blockWidth) => (n + blockWidth - 1) / blockWidth;

    /// <summary>Packs row-major <paramref name="w"/> [k][n] (the reference layout of a group-1 convolution).</summary>
    public static int[] Pack(ReadOnlySpan<int> w, int k, int n, int blockWidth)
    {
        var pairs = Pairs(k);
        var blocks = Blocks(n, blockWidth);
        var packed = new int[blocks * pairs * blockWidth];
        for (var b = 0; b < blocks; b++)
        {
            for (var p = 0; p < pairs; p++)
            {
                for (var j = 0; j < blockWidth; j++)
                {
                    var c = (b * blockWidth) + j;
                    if (c >= n)
                    {
                        continue;
                    }

                    var lo = w[(2 * p * n) + c];
                    var hi = (2 * p) + 1 < k ? w[(((2 * p) + 1) * n) + c] : 0;
                    packed[(((b * pairs) + p) * blockWidth) + j] = (ushort)(short)lo | (hi << 16);
                }
            }
        }

        return packed;
    }

    /// <summary>
    /// One output pixel's receptive field as centred 16-bit pairs, in the weights' [kh][kw][cin] order; padding taps
    /// are 0 (the zero point centred), as is the odd slot.
    /// </summary>
    public static void GatherPatch(in ConvShape s, ReadOnlySpan<byte> input, int zeroPoint, int pixel, Span<short> row)
    {
        var oh = pixel / s.OutW;
        var ow = pixel - (oh * s.OutW);
        var k = 0;
        var kLength = s.KH * s.KW * s.InC;
        if (row.Length < kLength || input.Length < s.InputLength)
        {
            throw new ArgumentException("patch row or input too short for the convolution shape");
        }

        // Bounds were checked once above; the inner copy runs on references.
        ref var src = ref MemoryMarshal.GetReference(input);
        ref var dst = ref MemoryMarshal.GetReference(row);
        var zp = Vector128.Create((short)zeroPoint);
        var span = s.KW * s.InC;
        for (var kh = 0; kh < s.KH; kh++)
        {
            var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
            var iw0 = (ow * s.StrideW) - s.PadLeft;
            if (s.DilationW == 1 && (uint)ih < (uint)s.InH && iw0 >= 0 && iw0 + s.KW <= s.InW)
            {
                // The whole kernel row is inside the image: one contiguous run of KW * InC bytes (the stem's 9),
                // widened 8 at a time.
                ref var x = ref Unsafe.Add(ref src, ((ih * s.InW) + iw0) * s.InC);
                var j = 0;
                for (; j + 8 <= span; j += 8)
                {
                    var v = Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref x, j))).AsByte());
                    (v.AsInt16() - zp).StoreUnsafe(ref dst, (nuint)(k + j));
                }

                for (; j < span; j++)
                {
                    Unsafe.Add(ref dst, k + j) = (short)(Unsafe.Add(ref x, j) - zeroPoint);
                }

                k += span;
                continue;
            }

            for (var kw = 0; kw < s.KW; kw++)
            {
                var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
                if ((uint)ih >= (uint)s.InH || (uint)iw >= (uint)s.InW)
                {
                    // A few slots: a loop beats a call to the general span clear.
                    for (var c = 0; c < s.InC; c++)
                    {
                        Unsafe.Add(ref dst, k + c) = 0;
                    }
                }
                else
                {
                    ref var x = ref Unsafe.Add(ref src, ((ih * s.InW) + iw) * s.InC);
                    for (var c = 0; c < s.InC; c++)
                    {
                        Unsafe.Add(ref dst, k + c) = (short)(Unsafe.Add(ref x, c) - zeroPoint);
                    }
                }

                k += s.InC;
            }
        }

        for (; k < row.Length; k++)
        {
            Unsafe.Add(ref dst, k) = 0;
        }
    }

    /// <summary>A group-1 convolution the GEMM kernels take: any kernel size, weights within int16.</summary>
    public static bool IsGemm(QuantConvParameters p) => p.Shape.Groups == 1 && p.WeightsFitInt16;

    /// <summary>
    /// The reduction block MLAS's SGEMM uses for an N x K problem (N output pixels, K input channels): 128 by 128
    /// panels, widened along N when K is small and deepened along K when N is small. Float pointwise convolutions
    /// follow this blocking in every implementation so their bits agree.
    /// </summary>
    public static int MlasStrideK(int n, int k)
    {
        int strideN = 128, strideK = 128;
        if (n >= k)
        {
            while (strideK / 2 >= k)
            {
                strideN *= 2;
                strideK /= 2;
            }
        }
        else
        {
            while (strideN > 16 && strideN / 2 >= n)
            {
                strideK *= 2;
                strideN /= 2;
            }
        }

        return strideK;
    }

    /// <summary>1x1, stride 1, no padding: the input rows are the GEMM rows, no gather needed.</summary>
    public static bool IsPointwise(in ConvShape s) =>
        s.KH == 1 && s.KW == 1 && s.StrideH == 1 && s.StrideW == 1 && s.PadTop == 0 && s.PadLeft == 0 && s.Groups == 1
        && s.InH == s.OutH && s.InW == s.OutW;
}
