using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeMobileNet.Vision;

/// <summary>RGB24 rows (raw RGB frames, decoded MJPEG) into the three planes of the one-pass path: 16 pixels from three
/// 16-byte loads, each plane gathered with three byte shuffles.</summary>
internal static unsafe class RgbRows
{
    private static readonly Vector128<byte>[][] RgbPlanes = [Simd.Gather(3, i => 3 * i), Simd.Gather(3, i => (3 * i) + 1), Simd.Gather(3, i => (3 * i) + 2)];

    /// <summary>RGB24 pixels into three planes.</summary>
    public static void Deinterleave(byte* p, int count, byte* r, byte* g, byte* b, bool vector)
    {
        var i = 0;
        for (; vector && i + 16 <= count; i += 16, p += 48)
        {
            Vector128<byte> a = Vector128.Load(p), m = Vector128.Load(p + 16), z = Vector128.Load(p + 32);
            Plane(a, m, z, RgbPlanes[0]).Store(r + i);
            Plane(a, m, z, RgbPlanes[1]).Store(g + i);
            Plane(a, m, z, RgbPlanes[2]).Store(b + i);
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
}
