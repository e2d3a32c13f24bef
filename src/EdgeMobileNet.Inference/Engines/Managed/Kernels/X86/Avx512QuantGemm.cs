using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Group-1 integer convolution as a GEMM over output pixels (1x1 convs, the stem, fully connected layers) with
/// AVX-512BW. Without VNNI the exact u8 x s8 product is vpmaddwd on 16-bit operands: each input pair is broadcast
/// as one int32 and multiplied by a packed weight vector (<see cref="QuantGemmPacking"/>). A tile is 6 pixels x 32
/// output channels (12 zmm accumulators); requantisation runs in the epilogue on the register tile.
/// </summary>
internal sealed class Avx512QuantGemm : IQuantConvKernel
{
    private const int Lanes = 16;
    private const int Block = 2 * Lanes;
    private const int Rows = 6;

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
    private readonly int[] _rows;

    public Avx512QuantGemm(QuantConvParameters p)
    {
        _s = p.Shape;
        _pointwise = QuantGemmPacking.IsPointwise(p.Shape);
        _k = p.Shape.KH * p.Shape.KW * p.Shape.InC;
        _pairs = QuantGemmPacking.Pairs(_k);
        _blocks = QuantGemmPacking.Blocks(p.Shape.OutC, Block);
        _weights = QuantGemmPacking.Pack(p.Weights, _k, p.Shape.OutC, Block);
        _bias = p.PaddedBias(_blocks * Block);
        _scales = p.PaddedScales(_blocks * Block);
        _inputZeroPoint = p.InputZeroPoint;
        _outputZeroPoint = p.OutputZeroPoint;
        _lo = p.Lo;
        _hi = p.Hi;
        _rows = new int[Rows * _pairs];
    }

    public long PackedBytes => (_weights.Length + _bias.Length + _scales.Length + _rows.Length) * 4L;

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var m = _s.OutH * _s.OutW;
        for (var p0 = 0; p0 < m; p0 += Rows)
        {
            var rows = Math.Min(Rows, m - p0);
            for (var r = 0; r < rows; r++)
            {
                var row = MemoryMarshal.Cast<int, short>(_rows.AsSpan(r * _pairs, _pairs));
                if (_pointwise)
                {
                    Centre(input.Slice((p0 + r) * _k, _k), _inputZeroPoint, row);
                }
                else
                {
                    QuantGemmPacking.GatherPatch(_s, input, _inputZeroPoint, p0 + r, row);
                }
            }

            if (rows == Rows)
            {
                Tile6(p0, output);
            }
            else
            {
                for (var r = 0; r < rows; r++)
                {
                    Tile1(p0 + r, r, output);
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

        for (; i < x.Length; i++)
        {
            row[i] = (short)(x[i] - zeroPoint);
        }

        row[x.Length..].Clear();
    }

    private void Tile6(int p0, Span<byte> output)
    {
        ref var x0 = ref _rows[0];
        ref var x1 = ref _rows[_pairs];
        ref var x2 = ref _rows[2 * _pairs];
        ref var x3 = ref _rows[3 * _pairs];
        ref var x4 = ref _rows[4 * _pairs];
        ref var x5 = ref _rows[5 * _pairs];
        for (var b = 0; b < _blocks; b++)
        {
            ref var w = ref _weights[b * _pairs * Block];
            Vector512<int> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
            Vector512<int> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
            for (var p = 0; p < _pairs; p++)
            {
                var w0 = Vector512.LoadUnsafe(ref w, (nuint)(p * Block)).AsInt16();
                var w1 = Vector512.LoadUnsafe(ref w, (nuint)((p * Block) + Lanes)).AsInt16();
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

            var c = b * Block;
            Store(output, p0, c, a00, a01);
            Store(output, p0 + 1, c, a10, a11);
            Store(output, p0 + 2, c, a20, a21);
            Store(output, p0 + 3, c, a30, a31);
            Store(output, p0 + 4, c, a40, a41);
            Store(output, p0 + 5, c, a50, a51);
        }
    }

    private void Tile1(int pixel, int row, Span<byte> output)
    {
        ref var x = ref _rows[row * _pairs];
        for (var b = 0; b < _blocks; b++)
        {
            ref var w = ref _weights[b * _pairs * Block];
            Vector512<int> a0 = default, a1 = default, c0 = default, c1 = default;
            var p = 0;
            for (; p + 2 <= _pairs; p += 2)
            {
                var v = Vector512.Create(Unsafe.Add(ref x, p)).AsInt16();
                a0 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, (nuint)(p * Block)).AsInt16());
                a1 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, (nuint)((p * Block) + Lanes)).AsInt16());
                v = Vector512.Create(Unsafe.Add(ref x, p + 1)).AsInt16();
                c0 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, (nuint)((p + 1) * Block)).AsInt16());
                c1 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, (nuint)(((p + 1) * Block) + Lanes)).AsInt16());
            }

            if (p < _pairs)
            {
                var v = Vector512.Create(Unsafe.Add(ref x, p)).AsInt16();
                a0 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, (nuint)(p * Block)).AsInt16());
                a1 += Avx512BW.MultiplyAddAdjacent(v, Vector512.LoadUnsafe(ref w, (nuint)((p * Block) + Lanes)).AsInt16());
            }

            Store(output, pixel, b * Block, a0 + c0, a1 + c1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(Span<byte> output, int pixel, int c, Vector512<int> acc0, Vector512<int> acc1)
    {
        var n = _s.OutC;
        ref var y = ref MemoryMarshal.GetReference(output);
        var at = (pixel * n) + c;
        var q0 = Requantize(acc0, c);
        if (c + Lanes <= n)
        {
            q0.StoreUnsafe(ref y, (nuint)at);
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
            q1.StoreUnsafe(ref y, (nuint)(at + Lanes));
        }
        else
        {
            StorePartial(q1, output.Slice(at + Lanes, n - c - Lanes));
        }
    }

    /// <summary>Requantisation.Requantize on 16 channels: float(acc + bias) * scale, clamp, round half even, + zp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> Requantize(Vector512<int> acc, int c)
    {
        var sum = acc + Vector512.LoadUnsafe(ref _bias[0], (nuint)c);
        var v = Avx512F.Multiply(Avx512F.ConvertToVector512Single(sum), Vector512.LoadUnsafe(ref _scales[0], (nuint)c));
        v = Avx512F.Min(Avx512F.Max(v, Vector512.Create(_lo)), Vector512.Create(_hi));
        var q = Avx512F.ConvertToVector512Int32(v) + Vector512.Create(_outputZeroPoint);
        return Avx512F.ConvertToVector128Byte(q);
    }

    private static void StorePartial(Vector128<byte> q, Span<byte> destination)
    {
        var tmp = q;
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector128<byte>, byte>(ref tmp), Lanes)[..destination.Length].CopyTo(destination);
    }
}
