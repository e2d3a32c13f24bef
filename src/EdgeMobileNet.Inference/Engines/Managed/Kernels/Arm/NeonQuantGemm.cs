using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// The NEON micro-kernel of the integer GEMM (<see cref="QuantGemm{M, TRow}"/>) for CPUs without the dot product.
/// Activations are centred to int16 ([-255, 255]) and weights kept as int16, so each product is one exact
/// smlal/smlal2 by element (int16 x int16 -> int32 accumulate): no pairwise 16-bit sums exist to overflow, the
/// -128 x -128 and 255 x 255 cases included. Weights are packed at load in blocks of 16 output channels, K padded to
/// 8 with zeros; a tile is 4 pixels x 16 channels (16 accumulators of the 32 vector registers), and one 8-value input
/// vector per pixel feeds 8 by-element steps. Requantisation runs on the register tile.
/// </summary>
internal readonly struct NeonQuantGemm : IQuantGemmMicroKernel<NeonQuantGemm, short>
{
    private const int Block = 16;
    private const int Rows = 4;

    // One packed copy per reference weight array: the planner may prepare the same convolution for several row windows.
    private static readonly ConditionalWeakTable<int[], short[]> Packed = [];

    private readonly int _n;
    private readonly int _kp;
    private readonly short[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly NeonRequantization _requantize;
    private readonly int[] _tile;

    private NeonQuantGemm(QuantConvParameters p, int k, int kp, int blocks)
    {
        if (!CanRun(p))
        {
            throw new ArgumentException("the NEON GEMM needs a group-1 convolution with weights within int16", nameof(p));
        }

        var n = p.Shape.OutC;
        _n = n;
        _kp = kp;
        _weights = Packed.GetValue(p.Weights, w => Pack(w, k, kp, n));
        _bias = p.PaddedBias(blocks * Block);
        _scales = p.PaddedScales(blocks * Block);
        _requantize = new NeonRequantization(p);
        _tile = new int[Rows * Block];
    }

    public static int BlockWidth => Block;

    public static int MaxRows => Rows;

    public long Bytes => (_weights.Length * 2L) + ((_bias.Length + _scales.Length + _tile.Length) * 4L);

    public static int PadK(int k) => (k + 7) & ~7;

    public static NeonQuantGemm Create(QuantConvParameters p, int k, int kp, int blocks) => new(p, k, kp, blocks);

    /// <summary>Group 1, any kernel size, centred weights within int16 (8-bit weights minus a zero point always are).</summary>
    public static bool CanRun(QuantConvParameters p) => QuantGemmPacking.IsGemm(p);

    /// <summary>Row-major [k][n] reference weights to [block][kp][16] int16, zero-padded in K and N.</summary>
    internal static short[] Pack(int[] w, int k, int kp, int n)
    {
        var blocks = (n + Block - 1) / Block;
        var packed = new short[blocks * kp * Block];
        for (var b = 0; b < blocks; b++)
        {
            for (var i = 0; i < k; i++)
            {
                for (var j = 0; j < Block && (b * Block) + j < n; j++)
                {
                    packed[(((b * kp) + i) * Block) + j] = checked((short)w[(i * n) + (b * Block) + j]);
                }
            }
        }

        return packed;
    }

    /// <summary>x - zp as int16, 8 at a time (uxtl then subtract); the K padding stays zero.</summary>
    public static void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<short> row)
    {
        var zp = Vector128.Create((short)zeroPoint);
        ref var src = ref MemoryMarshal.GetReference(x);
        ref var dst = ref MemoryMarshal.GetReference(row);
        var i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var v = AdvSimd.ZeroExtendWideningLower(Vector64.LoadUnsafe(ref src, (nuint)i)).AsInt16() - zp;
            v.StoreUnsafe(ref dst, (nuint)i);
        }

        for (; i < x.Length; i++)
        {
            row[i] = (short)(x[i] - zeroPoint);
        }

        row[x.Length..].Clear();
    }

    public void Gather(in ConvShape s, ReadOnlySpan<byte> input, int zeroPoint, int pixel, Span<short> row) =>
        QuantGemmPacking.GatherPatch(s, input, zeroPoint, pixel, row[.._kp]);

    public int TileRows(int c) => Rows;

    public void Tile(ref short rows, int kp, int c, Span<byte> output, int outAt)
    {
        Reduce4(ref rows, kp, c);
        for (var i = 0; i < Rows; i++)
        {
            Store(output, outAt + (i * _n), c, i * Block);
        }
    }

    public void One(ref short row, int kp, int c, Span<byte> output, int outAt)
    {
        Reduce1(ref row, kp, c);
        Store(output, outAt, c, 0);
    }

    /// <summary>
    /// 4 pixels x 16 channels. The accumulators leave through <see cref="_tile"/> so that no call is live across the
    /// reduction loop (the JIT would otherwise spill them every iteration).
    /// </summary>
    private void Reduce4(ref short x0, int rowLength, int c)
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
        for (nuint k = 0; k < kp; k += 8)
        {
            var v0 = Vector128.LoadUnsafe(ref x0, k);
            var v1 = Vector128.LoadUnsafe(ref x1, k);
            var v2 = Vector128.LoadUnsafe(ref x2, k);
            var v3 = Vector128.LoadUnsafe(ref x3, k);
            Step4(ref w, 0, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 1, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 2, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 3, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 4, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 5, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 6, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            Step4(ref w, 7, v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13, ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            w = ref Unsafe.Add(ref w, 8 * Block);
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

    /// <summary>One pixel x 16 channels, 8 K values per iteration.</summary>
    private void Reduce1(ref short x, int rowLength, int c)
    {
        ref var w = ref _weights[c * rowLength];
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        var kp = (nuint)rowLength;
        for (nuint k = 0; k < kp; k += 8)
        {
            var v = Vector128.LoadUnsafe(ref x, k);
            Step1(ref w, 0, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 1, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 2, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 3, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 4, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 5, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 6, v, ref a0, ref a1, ref a2, ref a3);
            Step1(ref w, 7, v, ref a0, ref a1, ref a2, ref a3);
            w = ref Unsafe.Add(ref w, 8 * Block);
        }

        ref var t = ref _tile[0];
        a0.StoreUnsafe(ref t, 0);
        a1.StoreUnsafe(ref t, 4);
        a2.StoreUnsafe(ref t, 8);
        a3.StoreUnsafe(ref t, 12);
    }

    /// <summary>K row <paramref name="j"/> of an 8-row step: every pixel's value j times the row's 16 weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step4(
        ref short w,
        [System.Diagnostics.CodeAnalysis.ConstantExpected(Min = 0, Max = 7)] byte j,
        Vector128<short> v0,
        Vector128<short> v1,
        Vector128<short> v2,
        Vector128<short> v3,
        ref Vector128<int> a00, ref Vector128<int> a01, ref Vector128<int> a02, ref Vector128<int> a03,
        ref Vector128<int> a10, ref Vector128<int> a11, ref Vector128<int> a12, ref Vector128<int> a13,
        ref Vector128<int> a20, ref Vector128<int> a21, ref Vector128<int> a22, ref Vector128<int> a23,
        ref Vector128<int> a30, ref Vector128<int> a31, ref Vector128<int> a32, ref Vector128<int> a33)
    {
        // Four 64-bit loads (paired as ldp d) and smlal by element on each: taking GetLower() of a 128-bit load
        // costs a register copy per use in the JIT's code (docs/BENCHMARKS.md, ARM inner loops).
        var w0l = Vector64.LoadUnsafe(ref w, (nuint)(j * Block));
        var w0h = Vector64.LoadUnsafe(ref w, (nuint)((j * Block) + 4));
        var w1l = Vector64.LoadUnsafe(ref w, (nuint)((j * Block) + 8));
        var w1h = Vector64.LoadUnsafe(ref w, (nuint)((j * Block) + 12));
        a00 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a00, w0l, v0, j);
        a01 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a01, w0h, v0, j);
        a02 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a02, w1l, v0, j);
        a03 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a03, w1h, v0, j);
        a10 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a10, w0l, v1, j);
        a11 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a11, w0h, v1, j);
        a12 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a12, w1l, v1, j);
        a13 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a13, w1h, v1, j);
        a20 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a20, w0l, v2, j);
        a21 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a21, w0h, v2, j);
        a22 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a22, w1l, v2, j);
        a23 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a23, w1h, v2, j);
        a30 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a30, w0l, v3, j);
        a31 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a31, w0h, v3, j);
        a32 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a32, w1l, v3, j);
        a33 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a33, w1h, v3, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step1(
        ref short w,
        [System.Diagnostics.CodeAnalysis.ConstantExpected(Min = 0, Max = 7)] byte j,
        Vector128<short> v,
        ref Vector128<int> a0,
        ref Vector128<int> a1,
        ref Vector128<int> a2,
        ref Vector128<int> a3)
    {
        a0 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a0, Vector64.LoadUnsafe(ref w, (nuint)(j * Block)), v, j);
        a1 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a1, Vector64.LoadUnsafe(ref w, (nuint)((j * Block) + 4)), v, j);
        a2 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a2, Vector64.LoadUnsafe(ref w, (nuint)((j * Block) + 8)), v, j);
        a3 = AdvSimd.MultiplyBySelectedScalarWideningLowerAndAdd(a3, Vector64.LoadUnsafe(ref w, (nuint)((j * Block) + 12)), v, j);
    }

    /// <summary>Requantises one pixel's 16 accumulators from the tile at <paramref name="at"/> into output channels c..c+15.</summary>
    private void Store(Span<byte> output, int offset, int c, int at)
    {
        ref var t = ref _tile[at];
        var q = _requantize.Sixteen(
            Vector128.LoadUnsafe(ref t, 0), Vector128.LoadUnsafe(ref t, 4), Vector128.LoadUnsafe(ref t, 8), Vector128.LoadUnsafe(ref t, 12), ref _bias[0], ref _scales[0], c);
        var n = _n;
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
