using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>
/// The horizontal pass of <see cref="FilterBank"/> over one plane (one colour channel) of a row, vectorised without
/// gathers: outputs go in blocks of 4 (one 32-bit lane each); a block's taps all lie within 16 consecutive source
/// bytes, so one 16-byte load per block plus, per tap, one byte shuffle (precomputed indices that place each lane's
/// source byte in its low byte and zero the rest), one multiply and one add compute the 4 sums. With AVX2 two blocks
/// share one 256-bit register. Indices and weights are laid out per geometry once, so a frame only streams them.
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
    private readonly byte[] _indices; // [pair][tap][block of pair][16]
    private readonly int[] _weights;  // [pair][tap][block of pair][4]

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
            int pair = block / 2, half = block % 2;
            for (var t = 0; t < taps; t++)
            {
                int slot = (((pair * taps) + t) * 2) + half;
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

    /// <summary>Filters one plane: <paramref name="origin"/> is source column 0 of the bank (the columns the bank
    /// reads must be there, plus <see cref="SourcePadding"/> readable bytes); writes <see cref="PaddedLength"/> bytes.</summary>
    public void Run(byte* origin, byte* output) => Run(origin, output, Simd.Avx2Paths);

    /// <summary><see cref="Run(byte*, byte*)"/> with the vector width chosen (tests run the 128-bit path on AVX2 CPUs).</summary>
    internal void Run(byte* origin, byte* output, bool wide)
    {
        fixed (int* bases = _base, weights = _weights)
        fixed (byte* indices = _indices)
        {
            if (wide && Simd.Avx2Paths)
            {
                RunAvx2(origin, output, bases, indices, weights);
            }
            else
            {
                Run128(origin, output, bases, indices, weights);
            }
        }
    }

    private void RunAvx2(byte* origin, byte* output, int* bases, byte* indices, int* weights)
    {
        int taps = Taps;
        var half = Vector256.Create(FilterBank.Half);
        var max = Vector256.Create(255);
        for (var group = 0; group < Groups; group++, output += GroupOutputs)
        {
            int pair = group * 2;
            var lo = Pair(pair);
            var hi = Pair(pair + 1);
            var words = Vector256.Narrow(lo.AsUInt32(), hi.AsUInt32());
            Vector128.Narrow(words.GetLower(), words.GetUpper()).Store(output);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        Vector256<int> Pair(int pair)
        {
            var source = Vector256.Create(Vector128.Load(origin + bases[2 * pair]), Vector128.Load(origin + bases[(2 * pair) + 1]));
            var acc = half;
            byte* index = indices + (pair * taps * 32);
            int* weight = weights + (pair * taps * 8);
            for (var t = 0; t < taps; t++, index += 32, weight += 8)
            {
                acc += Avx2.Shuffle(source, Vector256.Load(index)).AsInt32() * Vector256.Load(weight);
            }

            return Vector256.Min(acc >> FilterBank.PrecisionBits, max);
        }
    }

    private void Run128(byte* origin, byte* output, int* bases, byte* indices, int* weights)
    {
        int taps = Taps;
        var half = Vector128.Create(FilterBank.Half);
        var max = Vector128.Create(255);
        for (var group = 0; group < Groups; group++, output += GroupOutputs)
        {
            int block = group * 4;
            var a = Block(block);
            var b = Block(block + 1);
            var c = Block(block + 2);
            var d = Block(block + 3);
            Vector128.Narrow(Vector128.Narrow(a.AsUInt32(), b.AsUInt32()), Vector128.Narrow(c.AsUInt32(), d.AsUInt32())).Store(output);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        Vector128<int> Block(int block)
        {
            var source = Vector128.Load(origin + bases[block]);
            var acc = half;
            int pair = block / 2, side = block % 2;
            byte* index = indices + (((pair * taps * 2) + side) * 16);
            int* weight = weights + (((pair * taps * 2) + side) * 4);
            for (var t = 0; t < taps; t++, index += 32, weight += 8)
            {
                acc += Simd.Shuffle(source, Vector128.Load(index)).AsInt32() * Vector128.Load(weight);
            }

            return Vector128.Min(acc >> FilterBank.PrecisionBits, max);
        }
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
