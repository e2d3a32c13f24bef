using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Group-1 integer convolution as a GEMM over output pixels (1x1 convs, the stem, fully connected layers) with
/// AVX-512BW. Without VNNI the exact u8 x s8 product is vpmaddwd on 16-bit operands: each input pair is broadcast
/// as one int32 and multiplied by a packed weight vector (<see cref="QuantGemmPacking"/>).
/// Tiles: 6 pixels x 32 output channels (12 zmm accumulators); a block of at most 16 channels (16-channel layers, the
/// half block ending 144 or 1000 channels) runs 12 pixels x 16 channels instead of computing zeros. Accumulators
/// start from the bias and are requantised straight from registers; the channels past the end of a ragged block
/// are dropped with a masked store. Leftover pixels run as one more (overlapping) tile, or, in images smaller than
/// a tile, through a one-pixel path.
/// </summary>
internal sealed unsafe class Avx512QuantGemm : IQuantConvKernel
{
    private const int Lanes = 16;
    private const int Block = 2 * Lanes;
    private const int Rows = 6;
    private const int NarrowRows = 12;

    /// <summary>Centred input rows kept per chunk (64 KiB): small enough for L2 next to a weight panel.</summary>
    private const int ChunkInts = 16384;

    private readonly ConvShape _s;
    private readonly bool _pointwise;
    private readonly int _k;
    private readonly int _n;
    private readonly int _pairs;
    private readonly int _blocks;
    private readonly int[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly int _inputZeroPoint;
    private readonly int _outputZeroPoint;
    private readonly float _lo;
    private readonly float _hi;
    private readonly int _chunk;
    private readonly int[] _rows;

    /// <summary>Kernel rows of at most 16 contiguous bytes (the stem's 3 x 3 channels): see <see cref="GatherNarrowPatch"/>.</summary>
    private readonly bool _narrowPatch;

    /// <summary>Byte masks of the channels the last block really has (its two 16-channel halves).</summary>
    private readonly Vector128<byte> _lastMask0;
    private readonly Vector128<byte> _lastMask1;

    public Avx512QuantGemm(QuantConvParameters p)
    {
        _s = p.Shape;
        _pointwise = QuantGemmPacking.IsPointwise(p.Shape);
        _k = p.Shape.KH * p.Shape.KW * p.Shape.InC;
        _n = p.Shape.OutC;
        _pairs = QuantGemmPacking.Pairs(_k);
        _blocks = QuantGemmPacking.Blocks(_n, Block);
        _weights = QuantGemmPacking.PackShared(p.Weights, _k, _n, Block);
        _bias = p.PaddedBias(_blocks * Block);
        _scales = p.PaddedScales(_blocks * Block);
        _inputZeroPoint = p.InputZeroPoint;
        _outputZeroPoint = p.OutputZeroPoint;
        _lo = p.Lo;
        _hi = p.Hi;
        var m = p.Shape.OutH * p.Shape.OutW;
        _chunk = Math.Min(m, Math.Max(NarrowRows, ChunkInts / _pairs / NarrowRows * NarrowRows));

        // A spare row (at least 8 ints): the narrow patch gather writes up to 16 slots from each kernel row's start.
        _rows = new int[(_chunk * _pairs) + Math.Max(_pairs, 8)];
        _narrowPatch = !_pointwise && p.Shape.DilationW == 1 && p.Shape.KW * p.Shape.InC <= 16;
        var last = _n - ((_blocks - 1) * Block);
        _lastMask0 = Mask(last);
        _lastMask1 = Mask(last - Lanes);
    }

    public long PackedBytes => (_weights.Length + _bias.Length + _scales.Length + _rows.Length) * 4L;

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < _s.OutputLength)
        {
            throw new ArgumentException("output shorter than the convolution's");
        }

        var m = _s.OutH * _s.OutW;
        fixed (byte* y = output)
        {
            for (var c0 = 0; c0 < m; c0 += _chunk)
            {
                var rows = Math.Min(_chunk, m - c0);
                if (_pointwise && (_k & 1) == 0)
                {
                    // Even K: the chunk's input rows are back to back in the pair layout too, so centre them in one pass.
                    Centre(input.Slice(c0 * _k, rows * _k), _inputZeroPoint, MemoryMarshal.Cast<int, short>(_rows.AsSpan(0, rows * _pairs)));
                }
                else
                {
                    for (var r = 0; r < rows; r++)
                    {
                        var row = MemoryMarshal.Cast<int, short>(_rows.AsSpan(r * _pairs, _pairs));
                        if (_pointwise)
                        {
                            Centre(input.Slice((c0 + r) * _k, _k), _inputZeroPoint, row);
                        }
                        else if (!_narrowPatch || !GatherNarrowPatch(input, c0 + r, r))
                        {
                            QuantGemmPacking.GatherPatch(_s, input, _inputZeroPoint, c0 + r, row);
                        }
                    }
                }

                // Block-outer over the chunk: each weight panel is read once per chunk, not once per tile.
                for (var b = 0; b < _blocks; b++)
                {
                    var c = b * Block;
                    var last = b == _blocks - 1;
                    var m0 = last ? _lastMask0 : Vector128<byte>.AllBitsSet;
                    var m1 = last ? _lastMask1 : Vector128<byte>.AllBitsSet;
                    // Leftover pixels of a chunk with at least one full tile run as one more full tile ending at the
                    // chunk's last pixel: it recomputes a few pixels and stores the same bytes again.
                    var r = 0;
                    if (_n - c <= Lanes)
                    {
                        for (; r + NarrowRows <= rows; r += NarrowRows)
                        {
                            Tile12x16(c, r, y + ((c0 + r) * _n) + c, m0);
                        }

                        if (r < rows && rows >= NarrowRows)
                        {
                            Tile12x16(c, rows - NarrowRows, y + ((c0 + rows - NarrowRows) * _n) + c, m0);
                            r = rows;
                        }
                    }
                    else
                    {
                        for (; r + Rows <= rows; r += Rows)
                        {
                            Tile6x32(c, r, y + ((c0 + r) * _n) + c, m0, m1);
                        }

                        if (r < rows && rows >= Rows)
                        {
                            Tile6x32(c, rows - Rows, y + ((c0 + rows - Rows) * _n) + c, m0, m1);
                            r = rows;
                        }
                    }

                    for (; r < rows; r++)
                    {
                        Tile1x32(c, r, y + ((c0 + r) * _n) + c, m0, m1);
                    }
                }
            }
        }
    }

    /// <summary>x - zp as int16, 32 at a time (vpmovzxbw + vpsubw); the odd slot is zero.</summary>
    private static void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<short> row)
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

    /// <summary>
    /// The patch of an output pixel whose window lies inside the image, for kernels whose rows are at most 16
    /// contiguous bytes: each kernel row is one 16-byte load widened and centred (vpmovzxbw, vpsubw) and stored whole;
    /// the slots past the row's real length are overwritten by the next kernel row, the zeroed tail, or the next
    /// pixel's patch (rows are filled in order; the buffer has a spare row). False: not inside, use the general gather.
    /// </summary>
    private bool GatherNarrowPatch(ReadOnlySpan<byte> input, int pixel, int row)
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
        ref var dst = ref Unsafe.As<int, short>(ref _rows[row * _pairs]);
        for (var kh = 0; kh < s.KH; kh++)
        {
            var at = (((ih0 + (kh * s.DilationH)) * s.InW) + iw0) * s.InC;
            (Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref x, (nuint)at)) - zp).StoreUnsafe(ref dst, (nuint)(kh * length));
        }

        for (var k = s.KH * length; k < 2 * _pairs; k++)
        {
            Unsafe.Add(ref dst, k) = 0;
        }

        return true;
    }

    /// <summary>6 pixels x 32 output channels from <paramref name="row"/>, written at <paramref name="y"/> (pixel stride N).</summary>
    private void Tile6x32(int c, int row, byte* y, Vector128<byte> m0, Vector128<byte> m1)
    {
        ref var x0 = ref _rows[row * _pairs];
        ref var x1 = ref Unsafe.Add(ref x0, _pairs);
        ref var x2 = ref Unsafe.Add(ref x1, _pairs);
        ref var x3 = ref Unsafe.Add(ref x2, _pairs);
        ref var x4 = ref Unsafe.Add(ref x3, _pairs);
        ref var x5 = ref Unsafe.Add(ref x4, _pairs);
        ref var w = ref _weights[c * _pairs];
        var b0 = Vector512.LoadUnsafe(ref _bias[c]);
        var b1 = Vector512.LoadUnsafe(ref _bias[c], Lanes);
        Vector512<int> a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;
        Vector512<int> a30 = b0, a31 = b1, a40 = b0, a41 = b1, a50 = b0, a51 = b1;
        var n = (nuint)_pairs;
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
    private void Tile12x16(int c, int row, byte* y, Vector128<byte> m0)
    {
        ref var x0 = ref _rows[row * _pairs];
        var rs = (nint)_pairs;
        ref var w = ref _weights[c * _pairs];
        var b0 = Vector512.LoadUnsafe(ref _bias[c]);
        Vector512<int> a0 = b0, a1 = b0, a2 = b0, a3 = b0, a4 = b0, a5 = b0;
        Vector512<int> a6 = b0, a7 = b0, a8 = b0, a9 = b0, a10 = b0, a11 = b0;
        var n = (nuint)_pairs;
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
    private void Tile1x32(int c, int row, byte* y, Vector128<byte> m0, Vector128<byte> m1)
    {
        ref var x = ref _rows[row * _pairs];
        ref var w = ref _weights[c * _pairs];
        var a0 = Vector512.LoadUnsafe(ref _bias[c]);
        var a1 = Vector512.LoadUnsafe(ref _bias[c], Lanes);
        Vector512<int> c0 = default, c1 = default;
        var n = (nuint)_pairs;
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
