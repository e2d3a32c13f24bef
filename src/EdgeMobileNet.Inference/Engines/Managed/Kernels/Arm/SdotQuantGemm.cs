using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// The SDOT micro-kernel of the integer GEMM (<see cref="QuantGemm{M, TRow}"/>): the ARMv8.2 dot product (SDOT: per int32 lane, four int8 x int8
/// products summed, exact). SDOT needs signed operands on both sides:
/// <list type="bullet">
/// <item>activations: x_u8 - 128 is x_u8 with its top bit flipped, and
/// sum((x_u8 - zx) * w) = sum((x_u8 - 128) * w) + (128 - zx) * sum(w), so the second term is folded into the bias at
/// load. A padding tap of the stem must contribute nothing, so it is filled with zx - 128 (within int8 for any zx);</item>
/// <item>weights: centred weights must lie in [-128, 127] (<see cref="CanRun"/>); uint8 weights with a zero point can
/// reach +-255, and such a layer takes the NEON GEMM instead.</item>
/// </list>
/// Weights are packed at load per block of 16 output channels and group of 4 K values as four 16-byte vectors (4
/// channels x 4 K each), K padded to 16 with zeros. A tile is 4 pixels x 16 channels: each pixel's 16 K values are one
/// vector and SDOT by element selects 4 of them for all 16 channels.
/// </summary>
internal readonly struct SdotQuantGemm : IQuantGemmMicroKernel<SdotQuantGemm, sbyte>
{
    private const int Block = 16;
    private const int Rows = 4;

    private static readonly ConditionalWeakTable<int[], sbyte[]> Packed = [];

    private readonly ConvShape _s;
    private readonly int _kp;
    private readonly sbyte[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly NeonRequantization _requantize;
    private readonly int[] _tile;

    private SdotQuantGemm(QuantConvParameters p, int k, int kp, int blocks)
    {
        if (!CanRun(p))
        {
            throw new ArgumentException("the SDOT GEMM needs a group-1 convolution with centred weights within int8", nameof(p));
        }

        _s = p.Shape;
        _kp = kp;
        var n = p.Shape.OutC;
        _weights = Packed.GetValue(p.Weights, w => Pack(w, k, kp, n));

        // The top-bit flip moves every activation by -128; (128 - zx) * sum(w) restores the centred product exactly
        // (in wrapping int32 arithmetic, as the reference accumulates).
        _bias = p.PaddedBias(blocks * Block);
        var correction = 128 - p.InputZeroPoint;
        for (var c = 0; c < n; c++)
        {
            var sum = 0;
            for (var i = 0; i < k; i++)
            {
                sum += p.Weights[(i * n) + c];
            }

            _bias[c] = unchecked(_bias[c] + (correction * sum));
        }

        _scales = p.PaddedScales(blocks * Block);
        _requantize = new NeonRequantization(p);
        _tile = new int[Rows * Block];
    }

    public static int BlockWidth => Block;

    public static int MaxRows => Rows;

    public long Bytes => _weights.Length + ((_bias.Length + _scales.Length + _tile.Length) * 4L);

    public static int PadK(int k) => (k + 15) & ~15;

    public static SdotQuantGemm Create(QuantConvParameters p, int k, int kp, int blocks) => new(p, k, kp, blocks);

    /// <summary>Group 1, any kernel size, every centred weight within int8.</summary>
    public static bool CanRun(QuantConvParameters p) =>
        p.Shape.Groups == 1 && Array.TrueForAll(p.Weights, w => w is >= sbyte.MinValue and <= sbyte.MaxValue);

    public int TileRows(int c) => Rows;

    public void Tile(ref sbyte rows, int kp, int c, Span<byte> output, int outAt)
    {
        Reduce4(ref rows, kp, c);
        for (var i = 0; i < Rows; i++)
        {
            Store(output, outAt + (i * _s.OutC), c, i * Block);
        }
    }

    public void One(ref sbyte row, int kp, int c, Span<byte> output, int outAt)
    {
        Reduce1(ref row, kp, c);
        Store(output, outAt, c, 0);
    }

    /// <summary>
    /// Row-major [k][n] reference weights to [block][k/4][16 channels][4 K] int8: for each group of 4 K values, four
    /// vectors of 4 channels, each channel's 4 weights adjacent (the layout SDOT multiplies lane by lane).
    /// </summary>
    internal static sbyte[] Pack(int[] w, int k, int kp, int n)
    {
        var blocks = (n + Block - 1) / Block;
        var packed = new sbyte[blocks * kp * Block];
        for (var b = 0; b < blocks; b++)
        {
            for (var i = 0; i < k; i++)
            {
                for (var j = 0; j < Block && (b * Block) + j < n; j++)
                {
                    var quad = i / 4;
                    packed[(b * kp * Block) + (quad * 4 * Block) + (j * 4) + (i % 4)] = checked((sbyte)w[(i * n) + (b * Block) + j]);
                }
            }
        }

        return packed;
    }

    /// <summary>x - 128 as int8 (top bit flipped), 16 at a time; the K padding is zero (its weights are zero).</summary>
    public static void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<sbyte> row)
    {
        var top = Vector128.Create((byte)0x80);
        ref var src = ref MemoryMarshal.GetReference(x);
        ref var dst = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(row));
        var i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            (Vector128.LoadUnsafe(ref src, (nuint)i) ^ top).StoreUnsafe(ref dst, (nuint)i);
        }

        for (; i < x.Length; i++)
        {
            row[i] = (sbyte)(x[i] ^ 0x80);
        }

        row[x.Length..].Clear();
    }

    /// <summary>One output pixel's receptive field in the weights' [kh][kw][cin] order, top bit flipped; taps in
    /// the padding hold zx - 128, which the bias correction turns into the centred 0.</summary>
    public void Gather(in ConvShape s, ReadOnlySpan<byte> input, int zeroPoint, int pixel, Span<sbyte> row)
    {
        var padding = (sbyte)(zeroPoint - 128);
        row = row[.._kp];
        var oh = pixel / s.OutW;
        var ow = pixel - (oh * s.OutW);
        var k = 0;
        for (var kh = 0; kh < s.KH; kh++)
        {
            var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
            for (var kw = 0; kw < s.KW; kw++)
            {
                var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
                var tap = row.Slice(k, s.InC);
                if ((uint)ih >= (uint)s.InH || (uint)iw >= (uint)s.InW)
                {
                    tap.Fill(padding);
                }
                else
                {
                    var x = input.Slice(((ih * s.InW) + iw) * s.InC, s.InC);
                    for (var c = 0; c < x.Length; c++)
                    {
                        tap[c] = (sbyte)(x[c] ^ 0x80);
                    }
                }

                k += s.InC;
            }
        }

        row[k..].Clear();
    }

    /// <summary>4 pixels x 16 channels, 16 K values per iteration (4 SDOT steps by element).</summary>
    private void Reduce4(ref sbyte x0, int rowLength, int c)
    {
        ref var x1 = ref Unsafe.Add(ref x0, rowLength);
        ref var x2 = ref Unsafe.Add(ref x1, rowLength);
        ref var x3 = ref Unsafe.Add(ref x2, rowLength);
        ref var w = ref _weights[c * rowLength];
        Vector128<int> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector128<int> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector128<int> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector128<int> a30 = default, a31 = default, a32 = default, a33 = default;
        var kp = (nuint)rowLength;
        for (nuint k = 0; k < kp; k += 16)
        {
            var v0 = Vector128.LoadUnsafe(ref x0, k);
            var v1 = Vector128.LoadUnsafe(ref x1, k);
            var v2 = Vector128.LoadUnsafe(ref x2, k);
            var v3 = Vector128.LoadUnsafe(ref x3, k);
            Step4(ref w, 0, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 1, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 2, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 3, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            w = ref Unsafe.Add(ref w, 16 * Block);
        }

        ref var t = ref _tile[0];
        a00.StoreUnsafe(ref t, 0);
        a01.StoreUnsafe(ref t, 4);
        a02.StoreUnsafe(ref t, 8);
        a03.StoreUnsafe(ref t, 12);
        a10.StoreUnsafe(ref t, 16);
        a11.StoreUnsafe(ref t, 20);
        a12.StoreUnsafe(ref t, 24);
        a13.StoreUnsafe(ref t, 28);
        a20.StoreUnsafe(ref t, 32);
        a21.StoreUnsafe(ref t, 36);
        a22.StoreUnsafe(ref t, 40);
        a23.StoreUnsafe(ref t, 44);
        a30.StoreUnsafe(ref t, 48);
        a31.StoreUnsafe(ref t, 52);
        a32.StoreUnsafe(ref t, 56);
        a33.StoreUnsafe(ref t, 60);
    }

    private void Reduce1(ref sbyte x, int rowLength, int c)
    {
        ref var w = ref _weights[c * rowLength];
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        var kp = (nuint)rowLength;
        for (nuint k = 0; k < kp; k += 16)
        {
            var v = Vector128.LoadUnsafe(ref x, k);
            Step1(ref w, 0, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 1, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 2, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 3, v, ref a0, ref a1, ref a2, ref a3);
            w = ref Unsafe.Add(ref w, 16 * Block);
        }

        ref var t = ref _tile[0];
        a0.StoreUnsafe(ref t, 0);
        a1.StoreUnsafe(ref t, 4);
        a2.StoreUnsafe(ref t, 8);
        a3.StoreUnsafe(ref t, 12);
    }

    /// <summary>K group <paramref name="q"/> (4 values) of a 16-value step: each pixel's quadruplet q against the
    /// group's 16 channels x 4 weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step4(
        ref sbyte w,
        [System.Diagnostics.CodeAnalysis.ConstantExpected(Min = 0, Max = 3)] byte q,
        Vector128<sbyte> v0,
        Vector128<sbyte> v1,
        Vector128<sbyte> v2,
        Vector128<sbyte> v3,
        ref Vector128<int> a00, ref Vector128<int> a01, ref Vector128<int> a02, ref Vector128<int> a03,
        ref Vector128<int> a10, ref Vector128<int> a11, ref Vector128<int> a12, ref Vector128<int> a13,
        ref Vector128<int> a20, ref Vector128<int> a21, ref Vector128<int> a22, ref Vector128<int> a23,
        ref Vector128<int> a30, ref Vector128<int> a31, ref Vector128<int> a32, ref Vector128<int> a33)
    {
        var w0 = Vector128.LoadUnsafe(ref w, (nuint)(q * 4 * Block));
        var w1 = Vector128.LoadUnsafe(ref w, (nuint)((q * 4 * Block) + 16));
        var w2 = Vector128.LoadUnsafe(ref w, (nuint)((q * 4 * Block) + 32));
        var w3 = Vector128.LoadUnsafe(ref w, (nuint)((q * 4 * Block) + 48));
        a00 = Dp.DotProductBySelectedQuadruplet(a00, w0, v0, q);
        a01 = Dp.DotProductBySelectedQuadruplet(a01, w1, v0, q);
        a02 = Dp.DotProductBySelectedQuadruplet(a02, w2, v0, q);
        a03 = Dp.DotProductBySelectedQuadruplet(a03, w3, v0, q);
        a10 = Dp.DotProductBySelectedQuadruplet(a10, w0, v1, q);
        a11 = Dp.DotProductBySelectedQuadruplet(a11, w1, v1, q);
        a12 = Dp.DotProductBySelectedQuadruplet(a12, w2, v1, q);
        a13 = Dp.DotProductBySelectedQuadruplet(a13, w3, v1, q);
        a20 = Dp.DotProductBySelectedQuadruplet(a20, w0, v2, q);
        a21 = Dp.DotProductBySelectedQuadruplet(a21, w1, v2, q);
        a22 = Dp.DotProductBySelectedQuadruplet(a22, w2, v2, q);
        a23 = Dp.DotProductBySelectedQuadruplet(a23, w3, v2, q);
        a30 = Dp.DotProductBySelectedQuadruplet(a30, w0, v3, q);
        a31 = Dp.DotProductBySelectedQuadruplet(a31, w1, v3, q);
        a32 = Dp.DotProductBySelectedQuadruplet(a32, w2, v3, q);
        a33 = Dp.DotProductBySelectedQuadruplet(a33, w3, v3, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step1(
        ref sbyte w,
        [System.Diagnostics.CodeAnalysis.ConstantExpected(Min = 0, Max = 3)] byte q,
        Vector128<sbyte> v,
        ref Vector128<int> a0,
        ref Vector128<int> a1,
        ref Vector128<int> a2,
        ref Vector128<int> a3)
    {
        a0 = Dp.DotProductBySelectedQuadruplet(a0, Vector128.LoadUnsafe(ref w, (nuint)(q * 4 * Block)), v, q);
        a1 = Dp.DotProductBySelectedQuadruplet(a1, Vector128.LoadUnsafe(ref w, (nuint)((q * 4 * Block) + 16)), v, q);
        a2 = Dp.DotProductBySelectedQuadruplet(a2, Vector128.LoadUnsafe(ref w, (nuint)((q * 4 * Block) + 32)), v, q);
        a3 = Dp.DotProductBySelectedQuadruplet(a3, Vector128.LoadUnsafe(ref w, (nuint)((q * 4 * Block) + 48)), v, q);
    }

    private void Store(Span<byte> output, int offset, int c, int at)
    {
        ref var t = ref _tile[at];
        var q = _requantize.Sixteen(
            Vector128.LoadUnsafe(ref t, 0), Vector128.LoadUnsafe(ref t, 4), Vector128.LoadUnsafe(ref t, 8), Vector128.LoadUnsafe(ref t, 12), ref _bias[0], ref _scales[0], c);
        var n = _s.OutC;
        if (c + Block <= n)
        {
            q.StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)offset);
        }
        else
        {
            NeonRequantization.StorePartial(q, output.Slice(offset, n - c), n - c);
        }
    }
}
