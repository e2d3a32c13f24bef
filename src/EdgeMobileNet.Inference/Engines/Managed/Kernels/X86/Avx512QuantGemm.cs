using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// The AVX-512BW micro-kernel of the integer GEMM (<see cref="QuantGemm{M, TRow}"/>). Without VNNI the exact
/// u8 x s8 product is vpmaddwd on 16-bit operands: each centred input pair is broadcast as one int32 and multiplied by
/// a packed weight vector (<see cref="QuantGemmPacking"/>).
/// Tiles: 6 pixels x 32 output channels (12 zmm accumulators); a block of at most 16 channels (16-channel layers, the
/// half block ending 144 or 1000 channels) runs 12 pixels x 16 channels instead of computing zeros. Accumulators
/// start from the bias and are requantised straight from registers; the channels past the end of a ragged block
/// are dropped with a masked store.
/// </summary>
internal readonly unsafe struct Avx512QuantGemm : IQuantGemmMicroKernel<Avx512QuantGemm, short>
{
    private const int Lanes = 16;
    private const int Block = 2 * Lanes;
    private const int Rows = 6;
    private const int NarrowRows = 12;

    private readonly ConvShape _s;
    private readonly int _n;
    private readonly int _kp;
    private readonly int[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly int _inputZeroPoint;
    private readonly int _outputZeroPoint;
    private readonly float _lo;
    private readonly float _hi;

    /// <summary>Kernel rows of at most 16 contiguous bytes (the stem's 3 x 3 channels): see <see cref="GatherNarrowPatch"/>.</summary>
    private readonly bool _narrowPatch;

    /// <summary>Byte masks of the channels the last block really has (its two 16-channel halves).</summary>
    private readonly Vector128<byte> _lastMask0;
    private readonly Vector128<byte> _lastMask1;

    private Avx512QuantGemm(QuantConvParameters p, int k, int kp, int blocks)
    {
        _s = p.Shape;
        _n = p.Shape.OutC;
        _kp = kp;
        _weights = QuantGemmPacking.PackShared(p.Weights, k, _n, Block);
        _bias = p.PaddedBias(blocks * Block);
        _scales = p.PaddedScales(blocks * Block);
        _inputZeroPoint = p.InputZeroPoint;
        _outputZeroPoint = p.OutputZeroPoint;
        _lo = p.Lo;
        _hi = p.Hi;
        _narrowPatch = !QuantGemmPacking.IsPointwise(p.Shape) && p.Shape.DilationW == 1 && p.Shape.KW * p.Shape.InC <= 16;
        var last = _n - ((blocks - 1) * Block);
        _lastMask0 = Mask(last);
        _lastMask1 = Mask(last - Lanes);
    }

    public static int BlockWidth => Block;

    public static int MaxRows => NarrowRows;

    public long Bytes => (_weights.Length + _bias.Length + _scales.Length) * 4L;

    public static int PadK(int k) => 2 * QuantGemmPacking.Pairs(k);

    public static Avx512QuantGemm Create(QuantConvParameters p, int k, int kp, int blocks) => new(p, k, kp, blocks);

    /// <summary>x - zp as int16, 32 at a time (vpmovzxbw + vpsubw); the odd slot is zero.</summary>
    public static void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<short> row)
    {
        var zp = Vector512.Create((short)zeroPoint);
        ref var src = ref MemoryMarshal.GetReference(x);
        ref var dst = ref MemoryMarshal.GetReference(row);
        var i = 0;
        for (; i + 32 <= x.Length; i += 32)
        {
            var v = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref src, (nuint)i)) - zp;
            v.StoreUnsafe(ref dst, (nuint)i);
        }

        if (i + 16 <= x.Length)
        {
            var v = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref src, (nuint)i)) - zp.GetLower();
            v.StoreUnsafe(ref dst, (nuint)i);
            i += 16;
        }

        for (; i < x.Length; i++)
        {
            row[i] = (short)(x[i] - zeroPoint);
        }

        row[x.Length..].Clear();
    }

    public void Gather(in ConvShape s, ReadOnlySpan<byte> input, int zeroPoint, int pixel, Span<short> row)
    {
        if (!_narrowPatch || !GatherNarrowPatch(input, pixel, row))
        {
            QuantGemmPacking.GatherPatch(s, input, zeroPoint, pixel, row[.._kp]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TileRows(int c) => _n - c <= Lanes ? NarrowRows : Rows;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Tile(ref short rows, int kp, int c, Span<byte> output, int outAt)
    {
        var last = c + Block >= _n;
        fixed (byte* y = output)
        {
            if (_n - c <= Lanes)
            {
                Tile12x16(ref Unsafe.As<short, int>(ref rows), kp / 2, c, y + outAt, last ? _lastMask0 : Vector128<byte>.AllBitsSet);
            }
            else
            {
                Tile6x32(ref Unsafe.As<short, int>(ref rows), kp / 2, c, y + outAt, last ? _lastMask0 : Vector128<byte>.AllBitsSet, last ? _lastMask1 : Vector128<byte>.AllBitsSet);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void One(ref short row, int kp, int c, Span<byte> output, int outAt)
    {
        var last = c + Block >= _n;
        fixed (byte* y = output)
        {
            Tile1x32(ref Unsafe.As<short, int>(ref row), kp / 2, c, y + outAt, last ? _lastMask0 : Vector128<byte>.AllBitsSet, last ? _lastMask1 : Vector128<byte>.AllBitsSet);
        }
    }

    /// <summary>
    /// The patch of an output pixel whose window lies inside the image, for kernels whose rows are at most 16
    /// contiguous bytes: each kernel row is one 16-byte load widened and centred (vpmovzxbw, vpsubw) and stored whole;
    /// the slots past the row's real length are overwritten by the next kernel row, the zeroed tail, or the next
    /// pixel's patch (rows are filled in order; the buffer has a spare row). False: not inside, use the general gather.
    /// </summary>
    private bool GatherNarrowPatch(ReadOnlySpan<byte> input, int pixel, Span<short> row)
    {
        var s = _s;
        var oh = pixel / s.OutW;
        var ow = pixel - (oh * s.OutW);
        var ih0 = (oh * s.StrideH) - s.PadTop;
        var iw0 = (ow * s.StrideW) - s.PadLeft;
        var lastRow = ih0 + ((s.KH - 1) * s.DilationH);
        if (ih0 < 0 || lastRow >= s.InH || iw0 < 0 || iw0 + s.KW > s.InW
            || (((lastRow * s.InW) + iw0) * s.InC) + 16 > input.Length)
        {
            return false;
        }

        var length = s.KW * s.InC;
        var zp = Vector256.Create((short)_inputZeroPoint);
        ref var x = ref MemoryMarshal.GetReference(input);
        if (row.Length < Math.Max(_kp, ((s.KH - 1) * length) + 16))
        {
            return false;
        }

        ref var dst = ref MemoryMarshal.GetReference(row);
        for (var kh = 0; kh < s.KH; kh++)
        {
            var at = (((ih0 + (kh * s.DilationH)) * s.InW) + iw0) * s.InC;
            (Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref x, (nuint)at)) - zp).StoreUnsafe(ref dst, (nuint)(kh * length));
        }

        for (var k = s.KH * length; k < _kp; k++)
        {
            Unsafe.Add(ref dst, k) = 0;
        }

        return true;
    }

    /// <summary>6 pixels x 32 output channels from <paramref name="row"/>, written at <paramref name="y"/> (pixel stride N).</summary>
    private void Tile6x32(ref int x0, int pairs, int c, byte* y, Vector128<byte> m0, Vector128<byte> m1)
    {
        ref var x1 = ref Unsafe.Add(ref x0, pairs);
        ref var x2 = ref Unsafe.Add(ref x1, pairs);
        ref var x3 = ref Unsafe.Add(ref x2, pairs);
        ref var x4 = ref Unsafe.Add(ref x3, pairs);
        ref var x5 = ref Unsafe.Add(ref x4, pairs);
        ref var w = ref _weights[c * pairs];
        var b0 = Vector512.LoadUnsafe(ref _bias[c]);
        var b1 = Vector512.LoadUnsafe(ref _bias[c], Lanes);
        Vector512<int> a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;
        Vector512<int> a30 = b0, a31 = b1, a40 = b0, a41 = b1, a50 = b0, a51 = b1;
        var n = (nuint)pairs;
        for (nuint p = 0; p < n; p++)
        {
            var w0 = Vector512.LoadUnsafe(ref w).AsInt16();
            var w1 = Vector512.LoadUnsafe(ref w, Lanes).AsInt16();
            w = ref Unsafe.Add(ref w, Block);
            var v = Vector512.Create(Unsafe.Add(ref x0, p)).AsInt16();
            a00 += Avx512BW.MultiplyAddAdjacent(v, w0);
            a01 += Avx512BW.MultiplyAddAdjacent(v, w1);
            v = Vector512.Create(Unsafe.Add(ref x1, p)).AsInt16();
            a10 += Avx512BW.MultiplyAddAdjacent(v, w0);
            a11 += Avx512BW.MultiplyAddAdjacent(v, w1);
            v = Vector512.Create(Unsafe.Add(ref x2, p)).AsInt16();
            a20 += Avx512BW.MultiplyAddAdjacent(v, w0);
            a21 += Avx512BW.MultiplyAddAdjacent(v, w1);
            v = Vector512.Create(Unsafe.Add(ref x3, p)).AsInt16();
            a30 += Avx512BW.MultiplyAddAdjacent(v, w0);
            a31 += Avx512BW.MultiplyAddAdjacent(v, w1);
            v = Vector512.Create(Unsafe.Add(ref x4, p)).AsInt16();
            a40 += Avx512BW.MultiplyAddAdjacent(v, w0);
            a41 += Avx512BW.MultiplyAddAdjacent(v, w1);
            v = Vector512.Create(Unsafe.Add(ref x5, p)).AsInt16();
            a50 += Avx512BW.MultiplyAddAdjacent(v, w0);
            a51 += Avx512BW.MultiplyAddAdjacent(v, w1);
        }

        var s0 = Vector512.LoadUnsafe(ref _scales[c]);
        var s1 = Vector512.LoadUnsafe(ref _scales[c], Lanes);
        var lo = Vector512.Create(_lo);
        var hi = Vector512.Create(_hi);
        var zp = Vector512.Create(_outputZeroPoint);
        var stride = _n;
        Store(Requantize(a00, s0, lo, hi, zp), y, m0);
        Store(Requantize(a01, s1, lo, hi, zp), y + Lanes, m1);
        Store(Requantize(a10, s0, lo, hi, zp), y + stride, m0);
        Store(Requantize(a11, s1, lo, hi, zp), y + stride + Lanes, m1);
        Store(Requantize(a20, s0, lo, hi, zp), y + (2 * stride), m0);
        Store(Requantize(a21, s1, lo, hi, zp), y + (2 * stride) + Lanes, m1);
        Store(Requantize(a30, s0, lo, hi, zp), y + (3 * stride), m0);
        Store(Requantize(a31, s1, lo, hi, zp), y + (3 * stride) + Lanes, m1);
        Store(Requantize(a40, s0, lo, hi, zp), y + (4 * stride), m0);
        Store(Requantize(a41, s1, lo, hi, zp), y + (4 * stride) + Lanes, m1);
        Store(Requantize(a50, s0, lo, hi, zp), y + (5 * stride), m0);
        Store(Requantize(a51, s1, lo, hi, zp), y + (5 * stride) + Lanes, m1);
    }

    /// <summary>12 pixels x one 16-channel vector: a block with at most 16 real channels.</summary>
    private void Tile12x16(ref int x0, int pairs, int c, byte* y, Vector128<byte> m0)
    {
        var rs = (nint)pairs;
        ref var w = ref _weights[c * pairs];
        var b0 = Vector512.LoadUnsafe(ref _bias[c]);
        Vector512<int> a0 = b0, a1 = b0, a2 = b0, a3 = b0, a4 = b0, a5 = b0;
        Vector512<int> a6 = b0, a7 = b0, a8 = b0, a9 = b0, a10 = b0, a11 = b0;
        var n = (nuint)pairs;
        for (nuint p = 0; p < n; p++)
        {
            var w0 = Vector512.LoadUnsafe(ref w).AsInt16();
            w = ref Unsafe.Add(ref w, Block);
            ref var x = ref Unsafe.Add(ref x0, p);
            a0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(x).AsInt16(), w0);
            a1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, rs)).AsInt16(), w0);
            a2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 2 * rs)).AsInt16(), w0);
            a3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 3 * rs)).AsInt16(), w0);
            a4 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 4 * rs)).AsInt16(), w0);
            a5 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 5 * rs)).AsInt16(), w0);
            a6 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 6 * rs)).AsInt16(), w0);
            a7 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 7 * rs)).AsInt16(), w0);
            a8 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 8 * rs)).AsInt16(), w0);
            a9 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 9 * rs)).AsInt16(), w0);
            a10 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 10 * rs)).AsInt16(), w0);
            a11 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(Unsafe.Add(ref x, 11 * rs)).AsInt16(), w0);
        }

        var s0 = Vector512.LoadUnsafe(ref _scales[c]);
        var lo = Vector512.Create(_lo);
        var hi = Vector512.Create(_hi);
        var zp = Vector512.Create(_outputZeroPoint);
        var stride = _n;
        Store(Requantize(a0, s0, lo, hi, zp), y, m0);
        Store(Requantize(a1, s0, lo, hi, zp), y + stride, m0);
        Store(Requantize(a2, s0, lo, hi, zp), y + (2 * stride), m0);
        Store(Requantize(a3, s0, lo, hi, zp), y + (3 * stride), m0);
        Store(Requantize(a4, s0, lo, hi, zp), y + (4 * stride), m0);
        Store(Requantize(a5, s0, lo, hi, zp), y + (5 * stride), m0);
        Store(Requantize(a6, s0, lo, hi, zp), y + (6 * stride), m0);
        Store(Requantize(a7, s0, lo, hi, zp), y + (7 * stride), m0);
        Store(Requantize(a8, s0, lo, hi, zp), y + (8 * stride), m0);
        Store(Requantize(a9, s0, lo, hi, zp), y + (9 * stride), m0);
        Store(Requantize(a10, s0, lo, hi, zp), y + (10 * stride), m0);
        Store(Requantize(a11, s0, lo, hi, zp), y + (11 * stride), m0);
    }

    /// <summary>One pixel x 32 channels: two independent accumulator pairs over alternate K pairs hide the add latency.</summary>
    private void Tile1x32(ref int x, int pairs, int c, byte* y, Vector128<byte> m0, Vector128<byte> m1)
    {
        ref var w = ref _weights[c * pairs];
        var a0 = Vector512.LoadUnsafe(ref _bias[c]);
        var a1 = Vector512.LoadUnsafe(ref _bias[c], Lanes);
        Vector512<int> c0 = default, c1 = default;
        var n = (nuint)pairs;
        nuint p = 0;
        for (; p + 2 <= n; p += 2)
        {
            var v = Vector512.Create(Unsafe.Add(ref x, p)).AsInt16();
            a0 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w).AsInt16());
            a1 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, Lanes).AsInt16());
            v = Vector512.Create(Unsafe.Add(ref x, p + 1)).AsInt16();
            c0 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, Block).AsInt16());
            c1 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, Block + Lanes).AsInt16());
            w = ref Unsafe.Add(ref w, 2 * Block);
        }

        if (p < n)
        {
            var v = Vector512.Create(Unsafe.Add(ref x, p)).AsInt16();
            a0 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w).AsInt16());
            a1 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, Lanes).AsInt16());
        }

        var lo = Vector512.Create(_lo);
        var hi = Vector512.Create(_hi);
        var zp = Vector512.Create(_outputZeroPoint);
        Store(Requantize(a0 + c0, Vector512.LoadUnsafe(ref _scales[c]), lo, hi, zp), y, m0);
        Store(Requantize(a1 + c1, Vector512.LoadUnsafe(ref _scales[c], Lanes), lo, hi, zp), y + Lanes, m1);
    }

    /// <summary><see cref="Requantization.Requantize"/> on 16 channels (bias already in): float(acc) * scale, clamp, round half even, + zp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Requantize(Vector512<int> acc, Vector512<float> scale, Vector512<float> lo, Vector512<float> hi, Vector512<int> zp)
    {
        var v = Avx512F.Multiply(Avx512F.ConvertToVector512Single(acc), scale);
        v = Avx512F.Min(Avx512F.Max(v, lo), hi);
        return Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + zp);
    }

    /// <summary>16 bytes, or only the lanes of <paramref name="mask"/> at the ragged end of the channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<byte> q, byte* y, Vector128<byte> mask)
    {
        Avx512BW.VL.MaskStore(y, mask, q);
    }

    private static Vector128<byte> Mask(int count)
    {
        var m = Vector128<byte>.Zero;
        for (var i = 0; i < Math.Clamp(count, 0, Lanes); i++)
        {
            m = m.WithElement(i, (byte)0xFF);
        }

        return m;
    }
}
