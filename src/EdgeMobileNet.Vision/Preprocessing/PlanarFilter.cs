using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Plane = (nint Source, nint Output);

namespace EdgeMobileNet.Vision;

/// <summary>
/// The horizontal pass of <see cref="FilterBank"/> over one plane (one colour channel) of a row, vectorised without
/// gathers: outputs go in blocks of 4 (one 32-bit lane each); a block's taps all lie within 16 consecutive source
/// bytes, so one 16-byte load per block plus, per tap, one byte shuffle (precomputed indices that place each lane's
/// source byte in its low byte and zero the rest), one multiply and one add compute the 4 sums. With AVX2 two blocks
/// share one 256-bit register, with AVX-512 four. The three planes of a row go through together, so each tap's
/// indices and weights are loaded once for all three. Indices and weights are laid out per geometry once.
/// <para>
/// The arithmetic is the bank's: the same 22-bit weights, the same rounding offset and shift, so every output byte
/// equals the scalar loop's. A bank whose blocks span more than 16 source bytes (downscales beyond about 3x) has no
/// plan (<see cref="TryCreate"/> returns null) and runs the scalar loop.
/// </para>
/// </summary>
internal sealed unsafe class PlanarFilter
{
    private const int BlockLanes = 4;
    private const int GroupOutputs = 16; // four blocks: one 16-byte store

    private readonly int[] _base;     // per block: first source column of its 16-byte load
    private readonly byte[] _indices; // [group][tap][block of group][16]
    private readonly int[] _weights;  // [group][tap][block of group][4]

    private PlanarFilter(FilterBank bank, int taps, int groups)
    {
        Bank = bank;
        Taps = taps;
        Groups = groups;
        int blocks = groups * (GroupOutputs / BlockLanes);
        _base = new int[blocks];
        _indices = new byte[blocks * taps * 16];
        _weights = new int[blocks * taps * BlockLanes];
    }

    /// <summary>Vector widths: 512 (AVX-512BW), 256 (AVX2), 128 (SSSE3, NEON).</summary>
    public static int WidestBits => Simd.WidestBits;

    public FilterBank Bank { get; }

    public int Taps { get; }

    /// <summary>Groups of 16 outputs; the output row holds <c>16 × Groups</c> bytes (outputs past the window are 0).</summary>
    public int Groups { get; }

    /// <summary>Bytes written per output row: the window rounded up to 16.</summary>
    public int PaddedLength => Groups * GroupOutputs;

    /// <summary>Readable bytes needed past the last source column (a block's 16-byte load may reach beyond it).</summary>
    public const int SourcePadding = 16;

    public static PlanarFilter? TryCreate(FilterBank bank)
    {
        int taps = 0;
        for (var x = 0; x < bank.WindowLength; x++)
        {
            taps = Math.Max(taps, bank.Count[x]);
        }

        int groups = (bank.WindowLength + GroupOutputs - 1) / GroupOutputs;
        var plan = new PlanarFilter(bank, taps, groups);
        for (var block = 0; block < plan._base.Length; block++)
        {
            int x0 = Math.Min(block * BlockLanes, bank.WindowLength - 1);
            int start = bank.First[x0];
            plan._base[block] = start;
            int group = block / 4, within = block % 4;
            for (var t = 0; t < taps; t++)
            {
                int slot = (((group * taps) + t) * 4) + within;
                var index = plan._indices.AsSpan(slot * 16, 16);
                index.Fill(0x80);
                for (var lane = 0; lane < BlockLanes; lane++)
                {
                    int x = (block * BlockLanes) + lane;
                    if (x >= bank.WindowLength || t >= bank.Count[x])
                    {
                        continue; // weight 0, byte 0
                    }

                    int offset = bank.First[x] + t - start;
                    if (offset > 15)
                    {
                        return null;
                    }

                    index[lane * 4] = (byte)offset;
                    plan._weights[(slot * BlockLanes) + lane] = bank.Weights[(x * bank.MaxTaps) + t];
                }
            }
        }

        return plan;
    }

    /// <summary>Filters three planes: each origin is source column 0 of the bank (the columns the bank reads must be
    /// there, plus <see cref="SourcePadding"/> readable bytes); each output gets <see cref="PaddedLength"/> bytes.</summary>
    public void Run(Plane a, Plane b, Plane c) => Run(a, b, c, WidestBits);

    /// <summary><see cref="Run(Plane, Plane, Plane)"/> at a chosen vector width (tests run every width the CPU has).</summary>
    internal void Run(Plane a, Plane b, Plane c, int bits)
    {
        fixed (int* baseArray = _base, weightArray = _weights)
        fixed (byte* indexArray = _indices)
        {
            byte* s0 = (byte*)a.Source, s1 = (byte*)b.Source, s2 = (byte*)c.Source;
            byte* o0 = (byte*)a.Output, o1 = (byte*)b.Output, o2 = (byte*)c.Output;
            int* bases = baseArray, weights = weightArray;
            byte* indices = indexArray;
            int taps = Taps;
            for (var group = 0; group < Groups; group++, bases += 4, indices += taps * 64, weights += taps * 16)
            {
                int at = group * GroupOutputs;
                if (bits >= 512 && Avx512BW.IsSupported)
                {
                    Group512(s0, s1, s2, bases, indices, weights, taps, out var r0, out var r1, out var r2);
                    r0.Store(o0 + at);
                    r1.Store(o1 + at);
                    r2.Store(o2 + at);
                }
                else if (bits >= 256 && Avx2.IsSupported)
                {
                    Pair256(s0, s1, s2, bases, indices, weights, taps, out var l0, out var l1, out var l2);
                    Pair256(s0, s1, s2, bases + 2, indices + 32, weights + 8, taps, out var h0, out var h1, out var h2);
                    Narrow(l0, h0).Store(o0 + at);
                    Narrow(l1, h1).Store(o1 + at);
                    Narrow(l2, h2).Store(o2 + at);
                }
                else
                {
                    Block128(s0, s1, s2, bases, indices, weights, taps, out var a0, out var a1, out var a2);
                    Block128(s0, s1, s2, bases + 1, indices + 16, weights + 4, taps, out var b0, out var b1, out var b2);
                    Block128(s0, s1, s2, bases + 2, indices + 32, weights + 8, taps, out var c0, out var c1, out var c2);
                    Block128(s0, s1, s2, bases + 3, indices + 48, weights + 12, taps, out var d0, out var d1, out var d2);
                    Narrow(a0, b0, c0, d0).Store(o0 + at);
                    Narrow(a1, b1, c1, d1).Store(o1 + at);
                    Narrow(a2, b2, c2, d2).Store(o2 + at);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Group512(byte* s0, byte* s1, byte* s2, int* bases, byte* indices, int* weights, int taps, out Vector128<byte> r0, out Vector128<byte> r1, out Vector128<byte> r2)
    {
        Vector512<byte> x0 = Load4(s0, bases), x1 = Load4(s1, bases), x2 = Load4(s2, bases);
        Vector512<int> a0 = Vector512.Create(FilterBank.Half), a1 = a0, a2 = a0;
        for (var t = 0; t < taps; t++, indices += 64, weights += 16)
        {
            Vector512<byte> index = Vector512.Load(indices);
            Vector512<int> weight = Vector512.Load(weights);
            a0 += Avx512BW.Shuffle(x0, index).AsInt32() * weight;
            a1 += Avx512BW.Shuffle(x1, index).AsInt32() * weight;
            a2 += Avx512BW.Shuffle(x2, index).AsInt32() * weight;
        }

        // Sums are never negative (the weights are not); unsigned saturation clamps the rare 256 to 255.
        r0 = Avx512F.ConvertToVector128ByteWithSaturation((a0 >> FilterBank.PrecisionBits).AsUInt32());
        r1 = Avx512F.ConvertToVector128ByteWithSaturation((a1 >> FilterBank.PrecisionBits).AsUInt32());
        r2 = Avx512F.ConvertToVector128ByteWithSaturation((a2 >> FilterBank.PrecisionBits).AsUInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Load4(byte* source, int* bases) =>
        Vector512.Create(
            Vector256.Create(Vector128.Load(source + bases[0]), Vector128.Load(source + bases[1])),
            Vector256.Create(Vector128.Load(source + bases[2]), Vector128.Load(source + bases[3])));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair256(byte* s0, byte* s1, byte* s2, int* bases, byte* indices, int* weights, int taps, out Vector256<int> r0, out Vector256<int> r1, out Vector256<int> r2)
    {
        Vector256<byte> x0 = Load2(s0, bases), x1 = Load2(s1, bases), x2 = Load2(s2, bases);
        Vector256<int> a0 = Vector256.Create(FilterBank.Half), a1 = a0, a2 = a0;
        for (var t = 0; t < taps; t++, indices += 64, weights += 16)
        {
            Vector256<byte> index = Vector256.Load(indices);
            Vector256<int> weight = Vector256.Load(weights);
            a0 += Avx2.Shuffle(x0, index).AsInt32() * weight;
            a1 += Avx2.Shuffle(x1, index).AsInt32() * weight;
            a2 += Avx2.Shuffle(x2, index).AsInt32() * weight;
        }

        (r0, r1, r2) = (a0 >> FilterBank.PrecisionBits, a1 >> FilterBank.PrecisionBits, a2 >> FilterBank.PrecisionBits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Load2(byte* source, int* bases) =>
        Vector256.Create(Vector128.Load(source + bases[0]), Vector128.Load(source + bases[1]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Narrow(Vector256<int> lo, Vector256<int> hi)
    {
        var max = Vector256.Create(255);
        var words = Vector256.Narrow(Vector256.Min(lo, max).AsUInt32(), Vector256.Min(hi, max).AsUInt32());
        return Vector128.Narrow(words.GetLower(), words.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block128(byte* s0, byte* s1, byte* s2, int* bases, byte* indices, int* weights, int taps, out Vector128<int> r0, out Vector128<int> r1, out Vector128<int> r2)
    {
        Vector128<byte> x0 = Vector128.Load(s0 + *bases), x1 = Vector128.Load(s1 + *bases), x2 = Vector128.Load(s2 + *bases);
        Vector128<int> a0 = Vector128.Create(FilterBank.Half), a1 = a0, a2 = a0;
        for (var t = 0; t < taps; t++, indices += 64, weights += 16)
        {
            Vector128<byte> index = Vector128.Load(indices);
            Vector128<int> weight = Vector128.Load(weights);
            a0 += Simd.Shuffle(x0, index).AsInt32() * weight;
            a1 += Simd.Shuffle(x1, index).AsInt32() * weight;
            a2 += Simd.Shuffle(x2, index).AsInt32() * weight;
        }

        (r0, r1, r2) = (a0 >> FilterBank.PrecisionBits, a1 >> FilterBank.PrecisionBits, a2 >> FilterBank.PrecisionBits);
    }

    /// <summary>Sixteen sums (0..256) to bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Narrow(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d)
    {
        var max = Vector128.Create(255);
        var low = Vector128.Narrow(Vector128.Min(a, max).AsUInt32(), Vector128.Min(b, max).AsUInt32());
        var high = Vector128.Narrow(Vector128.Min(c, max).AsUInt32(), Vector128.Min(d, max).AsUInt32());
        return Vector128.Narrow(low, high);
    }

    /// <summary>The scalar loop (any bank): the reference the vector plans are checked against.</summary>
    public static void RunScalar(FilterBank bank, byte* origin, byte* output)
    {
        fixed (int* weights = bank.Weights, first = bank.First, count = bank.Count)
        {
            for (var x = 0; x < bank.WindowLength; x++)
            {
                byte* p = origin + first[x];
                int* k = weights + (x * bank.MaxTaps);
                int s = FilterBank.Half;
                for (var t = 0; t < count[x]; t++)
                {
                    s += p[t] * k[t];
                }

                int v = s >> FilterBank.PrecisionBits;
                output[x] = (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
}
