using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Group-1 integer convolution as a GEMM over output pixels (1x1 convs, the stem, fully connected layers) with
/// AVX2. Without VNNI the exact u8 x s8 product is vpmaddwd on 16-bit operands: each input pair is broadcast
/// as one int32 and multiplied by a packed weight vector (<see cref="QuantGemmPacking"/>). A tile is 6 pixels x 16
/// output channels (12 ymm accumulators); requantisation runs in the epilogue on the register tile.
/// </summary>
internal sealed class Avx2QuantGemm : IQuantConvKernel
{
    private const int Lanes = 8;
    private const int Block = 2 * Lanes;
    private const int Rows = 6;

    /// <summary>Centred input rows kept per chunk (64 KiB): small enough for L2 next to a weight panel.</summary>
    private const int ChunkInts = 16384;

    private readonly ConvShape _s;
    private readonly bool _pointwise;
    private readonly int _k;
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
    private readonly int[] _tile = new int[Rows * Block];

    public Avx2QuantGemm(QuantConvParameters p)
    {
        _s = p.Shape;
        _pointwise = QuantGemmPacking.IsPointwise(p.Shape);
        _k = p.Shape.KH * p.Shape.KW * p.Shape.InC;
        _pairs = QuantGemmPacking.Pairs(_k);
        _blocks = QuantGemmPacking.Blocks(p.Shape.OutC, Block);
        _weights = QuantGemmPacking.PackShared(p.Weights, _k, p.Shape.OutC, Block);
        _bias = p.PaddedBias(_blocks * Block);
        _scales = p.PaddedScales(_blocks * Block);
        _inputZeroPoint = p.InputZeroPoint;
        _outputZeroPoint = p.OutputZeroPoint;
        _lo = p.Lo;
        _hi = p.Hi;
        var m = p.Shape.OutH * p.Shape.OutW;
        _chunk = Math.Min(m, Math.Max(Rows, ChunkInts / _pairs / Rows * Rows));
        _rows = new int[_chunk * _pairs];
    }

    public long PackedBytes => (_weights.Length + _bias.Length + _scales.Length + _rows.Length) * 4L;

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var m = _s.OutH * _s.OutW;
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
                    else
                    {
                        QuantGemmPacking.GatherPatch(_s, input, _inputZeroPoint, c0 + r, row);
                    }
                }
            }

            // Block-outer over the chunk: each weight panel is read once per chunk, not once per 6 pixels.
            for (var b = 0; b < _blocks; b++)
            {
                var r = 0;
                for (; r + Rows <= rows; r += Rows)
                {
                    Reduce6(b, r);
                    for (var i = 0; i < Rows; i++)
                    {
                        Store(output, c0 + r + i, b * Block, Vector256.LoadUnsafe(ref _tile[0], (nuint)(i * Block)), Vector256.LoadUnsafe(ref _tile[0], (nuint)((i * Block) + Lanes)));
                    }
                }

                // Leftover pixels: one more full tile ending at the chunk's last pixel (recomputed pixels store the
                // same bytes again).
                if (r < rows && rows >= Rows)
                {
                    r = rows - Rows;
                    Reduce6(b, r);
                    for (var i = 0; i < Rows; i++)
                    {
                        Store(output, c0 + r + i, b * Block, Vector256.LoadUnsafe(ref _tile[0], (nuint)(i * Block)), Vector256.LoadUnsafe(ref _tile[0], (nuint)((i * Block) + Lanes)));
                    }

                    r = rows;
                }

                for (; r < rows; r++)
                {
                    Reduce1(b, r);
                    Store(output, c0 + r, b * Block, Vector256.LoadUnsafe(ref _tile[0]), Vector256.LoadUnsafe(ref _tile[0], Lanes));
                }
            }
        }
    }

    /// <summary>x - zp as int16, 16 at a time (vpmovzxbw + vpsubw); the odd slot is zero.</summary>
    private static void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<short> row)
    {
        var zp = Vector256.Create((short)zeroPoint);
        ref var src = ref MemoryMarshal.GetReference(x);
        ref var dst = ref MemoryMarshal.GetReference(row);
        var i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            var v = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref src, (nuint)i)) - zp;
            v.StoreUnsafe(ref dst, (nuint)i);
        }

        for (; i < x.Length; i++)
        {
            row[i] = (short)(x[i] - zeroPoint);
        }

        row[x.Length..].Clear();
    }

    /// <summary>
    /// 6 pixels x one block of output channels. The accumulators go through <see cref="_tile"/> to the epilogue so
    /// that no call is live across the reduction loop (the JIT would otherwise spill the registers every iteration).
    /// </summary>
    private void Reduce6(int b, int row)
    {
        ref var x0 = ref _rows[row * _pairs];
        ref var x1 = ref Unsafe.Add(ref x0, _pairs);
        ref var x2 = ref Unsafe.Add(ref x1, _pairs);
        ref var x3 = ref Unsafe.Add(ref x2, _pairs);
        ref var x4 = ref Unsafe.Add(ref x3, _pairs);
        ref var x5 = ref Unsafe.Add(ref x4, _pairs);
        ref var w = ref _weights[b * _pairs * Block];
        Vector256<int> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<int> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        var n = (nuint)_pairs;
        for (nuint p = 0; p < n; p++)
        {
            var w0 = Vector256.LoadUnsafe(ref w).AsInt16();
            var w1 = Vector256.LoadUnsafe(ref w, Lanes).AsInt16();
            w = ref Unsafe.Add(ref w, Block);
            var v = Vector256.Create(Unsafe.Add(ref x0, p)).AsInt16();
            a00 += Avx2.MultiplyAddAdjacent(v, w0);
            a01 += Avx2.MultiplyAddAdjacent(v, w1);
            v = Vector256.Create(Unsafe.Add(ref x1, p)).AsInt16();
            a10 += Avx2.MultiplyAddAdjacent(v, w0);
            a11 += Avx2.MultiplyAddAdjacent(v, w1);
            v = Vector256.Create(Unsafe.Add(ref x2, p)).AsInt16();
            a20 += Avx2.MultiplyAddAdjacent(v, w0);
            a21 += Avx2.MultiplyAddAdjacent(v, w1);
            v = Vector256.Create(Unsafe.Add(ref x3, p)).AsInt16();
            a30 += Avx2.MultiplyAddAdjacent(v, w0);
            a31 += Avx2.MultiplyAddAdjacent(v, w1);
            v = Vector256.Create(Unsafe.Add(ref x4, p)).AsInt16();
            a40 += Avx2.MultiplyAddAdjacent(v, w0);
            a41 += Avx2.MultiplyAddAdjacent(v, w1);
            v = Vector256.Create(Unsafe.Add(ref x5, p)).AsInt16();
            a50 += Avx2.MultiplyAddAdjacent(v, w0);
            a51 += Avx2.MultiplyAddAdjacent(v, w1);
        }

        ref var t = ref _tile[0];
        a00.StoreUnsafe(ref t, 0 * Lanes);
        a01.StoreUnsafe(ref t, 1 * Lanes);
        a10.StoreUnsafe(ref t, 2 * Lanes);
        a11.StoreUnsafe(ref t, 3 * Lanes);
        a20.StoreUnsafe(ref t, 4 * Lanes);
        a21.StoreUnsafe(ref t, 5 * Lanes);
        a30.StoreUnsafe(ref t, 6 * Lanes);
        a31.StoreUnsafe(ref t, 7 * Lanes);
        a40.StoreUnsafe(ref t, 8 * Lanes);
        a41.StoreUnsafe(ref t, 9 * Lanes);
        a50.StoreUnsafe(ref t, 10 * Lanes);
        a51.StoreUnsafe(ref t, 11 * Lanes);
    }

    /// <summary>One pixel: two independent accumulator pairs over alternate K pairs to hide the add latency.</summary>
    private void Reduce1(int b, int row)
    {
        ref var x = ref _rows[row * _pairs];
        ref var w = ref _weights[b * _pairs * Block];
        Vector256<int> a0 = default, a1 = default, c0 = default, c1 = default;
        var n = (nuint)_pairs;
        nuint p = 0;
        for (; p + 2 <= n; p += 2)
        {
            var v = Vector256.Create(Unsafe.Add(ref x, p)).AsInt16();
            a0 += Avx2.MultiplyAddAdjacent(v, Vector256.LoadUnsafe(ref w).AsInt16());
            a1 += Avx2.MultiplyAddAdjacent(v, Vector256.LoadUnsafe(ref w, Lanes).AsInt16());
            v = Vector256.Create(Unsafe.Add(ref x, p + 1)).AsInt16();
            c0 += Avx2.MultiplyAddAdjacent(v, Vector256.LoadUnsafe(ref w, Block).AsInt16());
            c1 += Avx2.MultiplyAddAdjacent(v, Vector256.LoadUnsafe(ref w, Block + Lanes).AsInt16());
            w = ref Unsafe.Add(ref w, 2 * Block);
        }

        if (p < n)
        {
            var v = Vector256.Create(Unsafe.Add(ref x, p)).AsInt16();
            a0 += Avx2.MultiplyAddAdjacent(v, Vector256.LoadUnsafe(ref w).AsInt16());
            a1 += Avx2.MultiplyAddAdjacent(v, Vector256.LoadUnsafe(ref w, Lanes).AsInt16());
        }

        (a0 + c0).StoreUnsafe(ref _tile[0]);
        (a1 + c1).StoreUnsafe(ref _tile[0], Lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(Span<byte> output, int pixel, int c, Vector256<int> acc0, Vector256<int> acc1)
    {
        var n = _s.OutC;
        ref var y = ref MemoryMarshal.GetReference(output);
        var at = (pixel * n) + c;
        var q0 = Requantize(acc0, c);
        if (c + Lanes <= n)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, at), q0);
        }
        else
        {
            StorePartial(q0, output.Slice(at, n - c));
            return;
        }

        if (c + Lanes >= n)
        {
            return;
        }

        var q1 = Requantize(acc1, c + Lanes);
        if (c + Block <= n)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, at + Lanes), q1);
        }
        else
        {
            StorePartial(q1, output.Slice(at + Lanes, n - c - Lanes));
        }
    }

    /// <summary>Requantisation.Requantize on 8 channels: float(acc + bias) * scale, clamp, round half even, + zp;
    /// the 8 bytes packed into one ulong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Requantize(Vector256<int> acc, int c)
    {
        var sum = acc + Vector256.LoadUnsafe(ref _bias[0], (nuint)c);
        var v = Avx.Multiply(Avx.ConvertToVector256Single(sum), Vector256.LoadUnsafe(ref _scales[0], (nuint)c));
        v = Avx.Min(Avx.Max(v, Vector256.Create(_lo)), Vector256.Create(_hi));
        var q = Avx.ConvertToVector256Int32(v) + Vector256.Create(_outputZeroPoint);
        return Narrow(q);
    }

    /// <summary>8 int32 already within [0, 255] to 8 bytes (saturating packs change nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Narrow(Vector256<int> q)
    {
        var words = Sse2.PackSignedSaturate(q.GetLower(), q.GetUpper());
        return Sse2.PackUnsignedSaturate(words, words).AsUInt64().ToScalar();
    }

    private static void StorePartial(ulong q, Span<byte> destination)
    {
        var tmp = q;
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<ulong, byte>(ref tmp), Lanes)[..destination.Length].CopyTo(destination);
    }
}
