using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>RGB24 rows (raw RGB frames, decoded MJPEG) into the three planes of the one-pass path. With AVX-512 VBMI
/// (the byte permute across a whole register) 64 pixels per step, each plane two two-register permutes of three
/// 64-byte loads; on arm64 16 pixels per <c>ld3</c>, the load that splits interleaved triples itself; otherwise 16
/// pixels from three 16-byte loads, each plane gathered with three byte shuffles.</summary>
internal static unsafe class RgbRows
{
    private static readonly Vector128<byte>[][] RgbPlanes = [Simd.Gather(3, i => 3 * i), Simd.Gather(3, i => (3 * i) + 1), Simd.Gather(3, i => (3 * i) + 2)];

    // Plane c of 64 pixels from loads x, y, z (bytes 0..191): the first permute takes lane j from byte 3j + c of x:y
    // where it lies below 128; the second keeps those lanes and takes the rest from z (byte 3j + c - 128).
    private static readonly Vector512<byte>[] FromXy = [Indices(0, true), Indices(1, true), Indices(2, true)];
    private static readonly Vector512<byte>[] FromZ = [Indices(0, false), Indices(1, false), Indices(2, false)];

    /// <summary>True when the 64-pixel loop runs (x64 with AVX-512 VBMI, AVX-512 enabled).</summary>
    public static bool Vbmi { get; } = Simd.WidestBits >= 512 && Avx512Vbmi.IsSupported;

    /// <summary>RGB24 pixels into three planes.</summary>
    public static void Deinterleave(byte* p, int count, byte* r, byte* g, byte* b, bool vector) =>
        Deinterleave(p, count, r, g, b, vector, Simd.WidestBits);

    /// <summary><see cref="Deinterleave(byte*, int, byte*, byte*, byte*, bool)"/> at a chosen widest vector width
    /// (tests run every width the CPU has).</summary>
    internal static void Deinterleave(byte* p, int count, byte* r, byte* g, byte* b, bool vector, int bits)
    {
        var i = 0;
        if (vector && bits >= 512 && Vbmi)
        {
            Vector512<byte> xy0 = FromXy[0], xy1 = FromXy[1], xy2 = FromXy[2], z0 = FromZ[0], z1 = FromZ[1], z2 = FromZ[2];
            for (; i + 64 <= count; i += 64, p += 192)
            {
                Vector512<byte> x = Vector512.Load(p), y = Vector512.Load(p + 64), z = Vector512.Load(p + 128);
                Avx512Vbmi.PermuteVar64x8x2(Avx512Vbmi.PermuteVar64x8x2(x, xy0, y), z0, z).Store(r + i);
                Avx512Vbmi.PermuteVar64x8x2(Avx512Vbmi.PermuteVar64x8x2(x, xy1, y), z1, z).Store(g + i);
                Avx512Vbmi.PermuteVar64x8x2(Avx512Vbmi.PermuteVar64x8x2(x, xy2, y), z2, z).Store(b + i);
            }
        }

        if (vector && AdvSimd.Arm64.IsSupported)
        {
            for (; i + 16 <= count; i += 16, p += 48)
            {
                var (vr, vg, vb) = AdvSimd.Arm64.Load3xVector128AndUnzip(p);
                vr.Store(r + i);
                vg.Store(g + i);
                vb.Store(b + i);
            }
        }

        if (vector)
        {
            Vector128<byte>[] mr = RgbPlanes[0], mg = RgbPlanes[1], mb = RgbPlanes[2];
            for (; i + 16 <= count; i += 16, p += 48)
            {
                Vector128<byte> a = Vector128.Load(p), m = Vector128.Load(p + 16), z = Vector128.Load(p + 32);
                Plane(a, m, z, mr).Store(r + i);
                Plane(a, m, z, mg).Store(g + i);
                Plane(a, m, z, mb).Store(b + i);
            }
        }

        for (; i < count; i++, p += 3)
        {
            r[i] = p[0];
            g[i] = p[1];
            b[i] = p[2];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Plane(Vector128<byte> a, Vector128<byte> m, Vector128<byte> z, Vector128<byte>[] masks) =>
        Simd.Shuffle(a, masks[0]) | Simd.Shuffle(m, masks[1]) | Simd.Shuffle(z, masks[2]);

    private static Vector512<byte> Indices(int channel, bool first)
    {
        Span<byte> lanes = stackalloc byte[64];
        for (var j = 0; j < 64; j++)
        {
            var k = (3 * j) + channel;
            lanes[j] = (byte)(first ? k & 127 : k < 128 ? j : 64 + (k - 128));
        }

        return Vector512.Create((ReadOnlySpan<byte>)lanes);
    }
}
