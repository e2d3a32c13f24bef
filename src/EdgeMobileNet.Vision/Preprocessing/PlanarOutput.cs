using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>
/// The last step of the one-pass path: planar crop rows (R, G, B planes per row) through a per-channel byte table
/// into interleaved H × W × C bytes (the engine's quantised input, or the RGB crop with the identity table).
/// <para>
/// A 256-entry table has no vector lookup on every CPU, so the table is matched, once, by an exact affine form per
/// channel: <c>clamp((A × v + B) &gt;&gt; 16, 0, 255)</c> with integers A and B chosen so that all 256 entries come out equal
/// (the normalise-then-quantise table is a rounded straight line, so such A and B exist unless float rounding bent
/// it). With a fit for all three channels, 16 pixels take a widen, multiply-add, shift, clamp and narrow per
/// channel, and nine byte shuffles interleave them; otherwise each value is looked up.
/// </para>
/// </summary>
internal sealed unsafe class PlanarOutput
{
    private const int Shift = 16;
    private static readonly Vector128<byte>[][] Interleave = BuildInterleave();

    private readonly byte[] _table;
    private readonly int[] _a = new int[3];
    private readonly int[] _b = new int[3];

    public PlanarOutput(ReadOnlySpan<byte> table)
    {
        if (table.Length != 3 * 256)
        {
            throw new ArgumentException($"table holds {table.Length} bytes, 768 needed", nameof(table));
        }

        _table = table.ToArray();
        Affine = true;
        for (var c = 0; c < 3; c++)
        {
            Affine &= TryFit(table.Slice(c * 256, 256), out _a[c], out _b[c]);
        }
    }

    /// <summary>The identity table: planar rows to an RGB24 image.</summary>
    public static PlanarOutput Identity()
    {
        var table = new byte[768];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (byte)i;
        }

        return new PlanarOutput(table);
    }

    /// <summary>True when every channel has an exact affine form (the vector path is used).</summary>
    public bool Affine { get; }

    /// <summary>Row y of the crop is at <c>crop + y × 3 × planeStride</c>, its planes <paramref name="planeStride"/>
    /// bytes apart; writes width × height × 3 bytes to <paramref name="destination"/>.</summary>
    public void Write(byte* crop, int planeStride, int width, int height, byte* destination, bool vector)
    {
        fixed (byte* table = _table)
        {
            for (var y = 0; y < height; y++)
            {
                byte* r = crop + ((long)y * 3 * planeStride), g = r + planeStride, b = g + planeStride;
                byte* o = destination + ((long)y * width * 3);
                var x = 0;
                if (vector && Affine)
                {
                    for (; x + 16 <= width; x += 16, o += 48)
                    {
                        var qr = Map(Vector128.Load(r + x), _a[0], _b[0]);
                        var qg = Map(Vector128.Load(g + x), _a[1], _b[1]);
                        var qb = Map(Vector128.Load(b + x), _a[2], _b[2]);
                        for (var j = 0; j < 3; j++)
                        {
                            var masks = Interleave[j];
                            (Simd.Shuffle(qr, masks[0]) | Simd.Shuffle(qg, masks[1]) | Simd.Shuffle(qb, masks[2])).Store(o + (16 * j));
                        }
                    }
                }

                for (; x < width; x++, o += 3)
                {
                    o[0] = table[r[x]];
                    o[1] = table[256 + g[x]];
                    o[2] = table[512 + b[x]];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Map(Vector128<byte> v, int a, int b)
    {
        if (Simd.WidestBits >= 512)
        {
            var sum = (Avx512F.ConvertToVector512Int32(v) * a) + Vector512.Create(b);
            return Avx512F.ConvertToVector128ByteWithSaturation(Vector512.Max(sum >> Shift, Vector512<int>.Zero).AsUInt32());
        }

        if (Simd.Avx2Paths)
        {
            var w = Vector256.WidenLower(v.ToVector256Unsafe());
            var lo = Clamp((Vector256.WidenLower(w).AsInt32() * a) + Vector256.Create(b));
            var hi = Clamp((Vector256.WidenUpper(w).AsInt32() * a) + Vector256.Create(b));
            var words = Vector256.Narrow(lo.AsUInt32(), hi.AsUInt32());
            return Vector128.Narrow(words.GetLower(), words.GetUpper());
        }

        Vector128<ushort> l = Vector128.WidenLower(v), h = Vector128.WidenUpper(v);
        var ab = Vector128.Create(b);
        var q0 = Clamp((Vector128.WidenLower(l).AsInt32() * a) + ab);
        var q1 = Clamp((Vector128.WidenUpper(l).AsInt32() * a) + ab);
        var q2 = Clamp((Vector128.WidenLower(h).AsInt32() * a) + ab);
        var q3 = Clamp((Vector128.WidenUpper(h).AsInt32() * a) + ab);
        return Vector128.Narrow(Vector128.Narrow(q0.AsUInt32(), q1.AsUInt32()), Vector128.Narrow(q2.AsUInt32(), q3.AsUInt32()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Clamp(Vector256<int> sum) => Vector256.Min(Vector256.Max(sum >> Shift, Vector256<int>.Zero), Vector256.Create(255));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Clamp(Vector128<int> sum) => Vector128.Min(Vector128.Max(sum >> Shift, Vector128<int>.Zero), Vector128.Create(255));

    /// <summary>Finds A and B with <c>clamp((A × v + B) &gt;&gt; 16, 0, 255) == table[v]</c> for every v, if any exist.</summary>
    internal static bool TryFit(ReadOnlySpan<byte> table, out int a, out int b)
    {
        (a, b) = (0, 0);
        int one = 1 << Shift;
        double slope = (table[255] - table[0]) / 255.0;
        int centre = (int)Math.Round(slope * one);
        for (var d = 0; d <= 4096; d++)
        {
            foreach (var candidate in d == 0 ? [centre] : new[] { centre + d, centre - d })
            {
                // Each entry bounds B from both sides; saturated entries only from one.
                long low = long.MinValue, high = long.MaxValue;
                for (var v = 0; v < 256; v++)
                {
                    long av = (long)candidate * v;
                    int t = table[v];
                    if (t > 0)
                    {
                        low = Math.Max(low, ((long)t * one) - av);
                    }

                    if (t < 255)
                    {
                        high = Math.Min(high, ((long)(t + 1) * one) - 1 - av);
                    }
                }

                // The sums must also stay inside int (A × 255 + B for every v).
                long b0 = Math.Max(low, -(1L << 28));
                if (b0 <= high && Math.Abs((long)candidate * 255) < (1L << 28) && b0 < (1L << 28))
                {
                    (a, b) = (candidate, (int)b0);
                    return true;
                }
            }
        }

        return false;
    }

    private static Vector128<byte>[][] BuildInterleave()
    {
        var result = new Vector128<byte>[3][];
        Span<byte> lanes = stackalloc byte[16];
        for (var j = 0; j < 3; j++)
        {
            result[j] = new Vector128<byte>[3];
            for (var c = 0; c < 3; c++)
            {
                for (var i = 0; i < 16; i++)
                {
                    int k = (16 * j) + i;
                    lanes[i] = k % 3 == c ? (byte)(k / 3) : (byte)0x80;
                }

                result[j][c] = Vector128.Create((ReadOnlySpan<byte>)lanes);
            }
        }

        return result;
    }
}
