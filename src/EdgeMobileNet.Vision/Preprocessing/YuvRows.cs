using EdgeMobileNet.Inference;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>
/// Converts a span of one frame row to three planes (R, G, B), the input of the planar horizontal filter: the same
/// bytes as <see cref="PixelConverter"/>, 16 pixels per step.
/// <para>
/// The converter's tables hold each coefficient × value product rounded separately, which no vector multiply
/// reproduces. The vector path instead evaluates the linear formula in 21-bit fixed point (one rounded coefficient
/// per term) and checks how far each sum lies from a rounding boundary: the two methods differ by less than 250 units
/// of 2^-21 (linear: at most half a unit per coefficient times |value - offset| ≤ 239 + 128 + 128, plus one unit for
/// the adjusted red coefficient; tables: at most two units), so outside a guard band of <see cref="GuardBand"/> units
/// both round the same way. Red and blue match the tables for every input (an exhaustive check chose the red
/// coefficient), so only green is checked: the rare block of 16 pixels with a green sum inside the band (about 1.5 %
/// of blocks on random data) is redone with the tables. The result is therefore identical to the scalar conversion;
/// a test checks every (Y, U, V) triple.
/// </para>
/// </summary>
internal static unsafe class YuvRows
{
    private const int Shift = 21;
    private const int GuardBand = 384;
    private const int FractionMask = (1 << Shift) - 1;

    private static readonly int CY = Fixed(PixelConverter.YScale);
    // One below the rounded value: with it every (Y, V) gives the tables' red exactly (checked exhaustively), and blue
    // is exact as rounded, so only green needs the guard band.
    private static readonly int CRV = Fixed(PixelConverter.RV) - 1;
    private static readonly int CGU = Fixed(-PixelConverter.GU);
    private static readonly int CGV = Fixed(-PixelConverter.GV);
    private static readonly int CBU = Fixed(PixelConverter.BU);
    private static readonly int LumaBias = (-16 * CY) + (1 << (Shift - 1));

    private static readonly Vector128<byte> Duplicate = Vector128.Create((byte)0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    private static readonly Vector128<byte> EvenDuplicate = Vector128.Create((byte)0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14);
    private static readonly Vector128<byte> OddDuplicate = EvenDuplicate + Vector128<byte>.One;
    private static readonly Vector128<byte>[] YuyvY = Simd.Gather(2, i => 2 * i);
    private static readonly Vector128<byte>[] YuyvU = Simd.Gather(2, i => (4 * (i / 2)) + 1);
    private static readonly Vector128<byte>[] YuyvV = Simd.Gather(2, i => (4 * (i / 2)) + 3);

    /// <summary>Pixels [x0, x0 + count) of row y into r, g and b (count bytes each). The frame length must already
    /// be checked against the format.</summary>
    public static void Convert(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, int y, int x0, int count, byte* r, byte* g, byte* b, bool vector)
    {
        if ((uint)y >= (uint)height || x0 < 0 || count < 0 || x0 + count > width)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"row {y} columns [{x0}, {x0 + count}) outside {width}x{height}");
        }

        fixed (byte* src = frame)
        {
            switch (format)
            {
                case PixelFormat.RGB24:
                    RgbRows.Deinterleave(src + (((long)y * width) + x0) * 3, count, r, g, b, vector);
                    return;
                case PixelFormat.GRAY8:
                    var gray = new ReadOnlySpan<byte>(src + ((long)y * width) + x0, count);
                    gray.CopyTo(new Span<byte>(r, count));
                    gray.CopyTo(new Span<byte>(g, count));
                    gray.CopyTo(new Span<byte>(b, count));
                    return;
            }

            PixelConverter.LocateYuvRow(src, format, width, height, y, out var yRow, out var uRow, out var vRow, out var lumaStep, out var chromaStep);

            int x = x0, end = x0 + count;
            if ((x & 1) != 0)
            {
                Scalar(yRow, uRow, vRow, lumaStep, chromaStep, x, x + 1, r, g, b);
                x++;
            }

            for (; vector && x + 16 <= end; x += 16)
            {
                Vector128<byte> yv, uv, vv;
                switch (format)
                {
                    case PixelFormat.I420:
                        yv = Vector128.Load(yRow + x);
                        uv = Simd.Shuffle(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(uRow + (x >> 1))).AsByte(), Duplicate);
                        vv = Simd.Shuffle(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(vRow + (x >> 1))).AsByte(), Duplicate);
                        break;
                    case PixelFormat.NV12:
                        var pairs = Vector128.Load(uRow + x);
                        yv = Vector128.Load(yRow + x);
                        uv = Simd.Shuffle(pairs, EvenDuplicate);
                        vv = Simd.Shuffle(pairs, OddDuplicate);
                        break;
                    default:
                        Vector128<byte> lo = Vector128.Load(yRow + (2 * x)), hi = Vector128.Load(yRow + (2 * x) + 16);
                        yv = Simd.Shuffle(lo, YuyvY[0]) | Simd.Shuffle(hi, YuyvY[1]);
                        uv = Simd.Shuffle(lo, YuyvU[0]) | Simd.Shuffle(hi, YuyvU[1]);
                        vv = Simd.Shuffle(lo, YuyvV[0]) | Simd.Shuffle(hi, YuyvV[1]);
                        break;
                }

                int o = x - x0;
                if (!Convert16(yv, uv, vv, r + o, g + o, b + o))
                {
                    Scalar(yRow, uRow, vRow, lumaStep, chromaStep, x, x + 16, r + o, g + o, b + o);
                }
            }

            int done = x - x0;
            Scalar(yRow, uRow, vRow, lumaStep, chromaStep, x, end, r + done, g + done, b + done);
        }
    }

    /// <summary>16 pixels; false (and partly written output) when a sum is inside the guard band.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Convert16(Vector128<byte> y, Vector128<byte> u, Vector128<byte> v, byte* r, byte* g, byte* b) =>
        Convert16(y, u, v, r, g, b, PlanarFilter.WidestBits);

    /// <summary><see cref="Convert16(Vector128{byte}, Vector128{byte}, Vector128{byte}, byte*, byte*, byte*)"/> at a
    /// chosen vector width (tests run every width the CPU has).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Convert16(Vector128<byte> y, Vector128<byte> u, Vector128<byte> v, byte* r, byte* g, byte* b, int bits)
    {
        if (bits >= 512 && Avx512BW.IsSupported)
        {
            var l = (Avx512F.ConvertToVector512Int32(y) * CY) + Vector512.Create(LumaBias);
            var uc = Avx512F.ConvertToVector512Int32(u) - Vector512.Create(128);
            var vc = Avx512F.ConvertToVector512Int32(v) - Vector512.Create(128);
            var gs = l + (uc * CGU) + (vc * CGV);
            Store(r, l + (vc * CRV));
            Store(g, gs);
            Store(b, l + (uc * CBU));
            var band = Vector512.Create(GuardBand);
            return !Vector512.LessThanAny((gs + band) & Vector512.Create(FractionMask), band + band);
        }

        if (bits >= 256 && Simd.Avx2Paths)
        {
            Vector256<ushort> y16 = Vector256.WidenLower(y.ToVector256Unsafe()), u16 = Vector256.WidenLower(u.ToVector256Unsafe()), v16 = Vector256.WidenLower(v.ToVector256Unsafe());
            var near = Vector256<int>.Zero;
            var r0 = Pixels(Vector256.WidenLower(y16).AsInt32(), Vector256.WidenLower(u16).AsInt32(), Vector256.WidenLower(v16).AsInt32(), ref near, out var g0, out var b0);
            var r1 = Pixels(Vector256.WidenUpper(y16).AsInt32(), Vector256.WidenUpper(u16).AsInt32(), Vector256.WidenUpper(v16).AsInt32(), ref near, out var g1, out var b1);
            Store(r, r0, r1);
            Store(g, g0, g1);
            Store(b, b0, b1);
            return near == Vector256<int>.Zero;
        }

        Vector128<ushort> yl = Vector128.WidenLower(y), yh = Vector128.WidenUpper(y), ul = Vector128.WidenLower(u), uh = Vector128.WidenUpper(u), vl = Vector128.WidenLower(v), vh = Vector128.WidenUpper(v);
        var any = Vector128<int>.Zero;
        var ra = Pixels(Vector128.WidenLower(yl).AsInt32(), Vector128.WidenLower(ul).AsInt32(), Vector128.WidenLower(vl).AsInt32(), ref any, out var ga, out var ba);
        var rb = Pixels(Vector128.WidenUpper(yl).AsInt32(), Vector128.WidenUpper(ul).AsInt32(), Vector128.WidenUpper(vl).AsInt32(), ref any, out var gb, out var bb);
        var rc = Pixels(Vector128.WidenLower(yh).AsInt32(), Vector128.WidenLower(uh).AsInt32(), Vector128.WidenLower(vh).AsInt32(), ref any, out var gc, out var bc);
        var rd = Pixels(Vector128.WidenUpper(yh).AsInt32(), Vector128.WidenUpper(uh).AsInt32(), Vector128.WidenUpper(vh).AsInt32(), ref any, out var gd, out var bd);
        Store(r, ra, rb, rc, rd);
        Store(g, ga, gb, gc, gd);
        Store(b, ba, bb, bc, bd);
        return any == Vector128<int>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Pixels(Vector256<int> y, Vector256<int> u, Vector256<int> v, ref Vector256<int> near, out Vector256<int> g, out Vector256<int> b)
    {
        var l = (y * CY) + Vector256.Create(LumaBias);
        u -= Vector256.Create(128);
        v -= Vector256.Create(128);
        var gs = l + (u * CGU) + (v * CGV);
        var band = Vector256.Create(GuardBand);
        near |= Vector256.LessThan((gs + band) & Vector256.Create(FractionMask), band + band);
        g = gs >> Shift;
        b = (l + (u * CBU)) >> Shift;
        return (l + (v * CRV)) >> Shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Pixels(Vector128<int> y, Vector128<int> u, Vector128<int> v, ref Vector128<int> near, out Vector128<int> g, out Vector128<int> b)
    {
        var l = (y * CY) + Vector128.Create(LumaBias);
        u -= Vector128.Create(128);
        v -= Vector128.Create(128);
        var gs = l + (u * CGU) + (v * CGV);
        var band = Vector128.Create(GuardBand);
        near |= Vector128.LessThan((gs + band) & Vector128.Create(FractionMask), band + band);
        var max = Vector128.Create(255);
        g = Vector128.Min(Vector128.Max(gs >> Shift, Vector128<int>.Zero), max);
        b = Vector128.Min(Vector128.Max((l + (u * CBU)) >> Shift, Vector128<int>.Zero), max);
        return Vector128.Min(Vector128.Max((l + (v * CRV)) >> Shift, Vector128<int>.Zero), max);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* p, Vector512<int> sums) =>
        Avx512F.ConvertToVector128ByteWithSaturation(Vector512.Max(sums >> Shift, Vector512<int>.Zero).AsUInt32()).Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* p, Vector256<int> lo, Vector256<int> hi)
    {
        // Unsigned saturation clamps to 0..255 on the way; the packs work per 128-bit half, the permute restores order.
        var words = Avx2.PackUnsignedSaturate(lo, hi).AsInt16();
        var bytes = Avx2.PackUnsignedSaturate(words, words).AsInt32();
        Avx2.PermuteVar8x32(bytes, Vector256.Create(0, 4, 1, 5, 0, 4, 1, 5)).GetLower().AsByte().Store(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* p, Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d) =>
        Vector128.Narrow(Vector128.Narrow(a.AsUInt32(), b.AsUInt32()), Vector128.Narrow(c.AsUInt32(), d.AsUInt32())).Store(p);

    private static void Scalar(byte* yRow, byte* uRow, byte* vRow, int lumaStep, int chromaStep, int from, int to, byte* r, byte* g, byte* b)
    {
        for (var x = from; x < to; x++, r++, g++, b++)
        {
            int c = (x >> 1) * chromaStep;
            PixelConverter.ConvertPixel(yRow[x * lumaStep], uRow[c], vRow[c], out *r, out *g, out *b);
        }
    }

    private static int Fixed(double coefficient) => (int)Math.Round(coefficient * (1 << Shift));
}
