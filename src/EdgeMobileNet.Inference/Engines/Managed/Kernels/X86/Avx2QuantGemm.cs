using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// The AVX2 micro-kernel of the integer GEMM (<see cref="QuantGemm{M, TRow}"/>). Without VNNI the exact u8 x s8
/// product is vpmaddwd on 16-bit operands: each centred input pair is broadcast as one int32 and multiplied by a packed
/// weight vector (<see cref="QuantGemmPacking"/>). A tile is 6 pixels x 16 output channels (12 ymm accumulators);
/// requantisation runs in the epilogue on the register tile.
/// </summary>
internal readonly struct Avx2QuantGemm : IQuantGemmMicroKernel<Avx2QuantGemm, short>
{
    private const int Lanes = 8;
    private const int Block = 2 * Lanes;
    private const int Rows = 6;

    private readonly ConvShape _s;
    private readonly int _kp;
    private readonly int[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly int _outputZeroPoint;
    private readonly float _lo;
    private readonly float _hi;
    private readonly int[] _tile;

    private Avx2QuantGemm(QuantConvParameters p, int k, int kp, int blocks)
    {
        _s = p.Shape;
        _kp = kp;
        _weights = QuantGemmPacking.PackShared(p.Weights, k, p.Shape.OutC, Block);
        _bias = p.PaddedBias(blocks * Block);
        _scales = p.PaddedScales(blocks * Block);
        _outputZeroPoint = p.OutputZeroPoint;
        _lo = p.Lo;
        _hi = p.Hi;
        _tile = new int[Rows * Block];
    }

    public static int BlockWidth => Block;

    public static int MaxRows => Rows;

    public long Bytes => (_weights.Length + _bias.Length + _scales.Length + _tile.Length) * 4L;

    public static int PadK(int k) => 2 * QuantGemmPacking.Pairs(k);

    public static Avx2QuantGemm Create(QuantConvParameters p, int k, int kp, int blocks) => new(p, k, kp, blocks);

    /// <summary>x - zp as int16, 16 at a time (vpmovzxbw + vpsubw); the odd slot is zero.</summary>
    public static void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<short> row)
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

    public void Gather(in ConvShape s, ReadOnlySpan<byte> input, int zeroPoint, int pixel, Span<short> row) =>
        QuantGemmPacking.GatherPatch(s, input, zeroPoint, pixel, row[.._kp]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TileRows(int c) => Rows;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Tile(ref short rows, int kp, int c, Span<byte> output, int outAt)
    {
        Reduce6(ref Unsafe.As<short, int>(ref rows), kp / 2, c);
        for (var i = 0; i < Rows; i++)
        {
            Store(output, outAt + (i * _s.OutC), c, Vector256.LoadUnsafe(ref _tile[0], (nuint)(i * Block)), Vector256.LoadUnsafe(ref _tile[0], (nuint)((i * Block) + Lanes)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void One(ref short row, int kp, int c, Span<byte> output, int outAt)
    {
        Reduce1(ref Unsafe.As<short, int>(ref row), kp / 2, c);
        Store(output, outAt, c, Vector256.LoadUnsafe(ref _tile[0]), Vector256.LoadUnsafe(ref _tile[0], Lanes));
    }

    /// <summary>
    /// 6 pixels x one block of output channels. The accumulators go through <see cref="_tile"/> to the epilogue so
    /// that no call is live across the reduction loop (the JIT would otherwise spill the registers every iteration).
    /// </summary>
    private void Reduce6(ref int x0, int pairs, int c)
    {
        ref var x1 = ref Unsafe.Add(ref x0, pairs);
        ref var x2 = ref Unsafe.Add(ref x1, pairs);
        ref var x3 = ref Unsafe.Add(ref x2, pairs);
        ref var x4 = ref Unsafe.Add(ref x3, pairs);
        ref var x5 = ref Unsafe.Add(ref x4, pairs);
        ref var w = ref _weights[c * pairs];
        Vector256<int> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<int> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        var n = (nuint)pairs;
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
    private void Reduce1(ref int x, int pairs, int c)
    {
        ref var w = ref _weights[c * pairs];
        Vector256<int> a0 = default, a1 = default, c0 = default, c1 = default;
        var n = (nuint)pairs;
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
    private void Store(Span<byte> output, int at, int c, Vector256<int> acc0, Vector256<int> acc1)
    {
        var n = _s.OutC;
        ref var y = ref MemoryMarshal.GetReference(output);
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
