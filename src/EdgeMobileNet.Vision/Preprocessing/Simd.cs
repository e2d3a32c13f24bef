using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>
/// The byte shuffle the vector paths of the preprocessing are built on, and which instruction set they use. Like the
/// managed engine's kernels, the choice is made once from what the CPU reports: 512-bit AVX-512BW on x64 when present,
/// else 256-bit AVX2, otherwise 128-bit vectors (SSSE3 on x64, NEON on arm64), otherwise the scalar loops.
/// </summary>
internal static class Simd
{
    /// <summary>True when the 128-bit paths run as real vector instructions (x64 with SSSE3, any arm64).</summary>
    public static bool Vector128Paths { get; } = Ssse3.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>The widest vector path: 512 (x64 with AVX-512BW), 256 (AVX2) or 128 (SSSE3, NEON).</summary>
    public static int WidestBits { get; } = Avx512BW.IsSupported ? 512 : Avx2.IsSupported ? 256 : 128;

    /// <summary>True when the 256-bit paths can be used (x64 with AVX2).</summary>
    public static bool Avx2Paths { get; } = Avx2.IsSupported;

    /// <summary>The name of the chosen vector width, for benchmarks and logs.</summary>
    public static string Isa => !Vector128Paths ? "scalar" : WidestBits == 512 ? "avx512" : Avx2Paths ? "avx2" : Ssse3.IsSupported ? "ssse3" : AdvSimd.Arm64.IsSupported ? "neon" : "scalar";

    /// <summary>Byte <c>i</c> of the result is <c>source[indices[i]]</c>, or 0 when <c>indices[i]</c> is 0x80 or
    /// above (the common ground of x64 <c>pshufb</c>, arm64 <c>tbl</c> and <see cref="Vector128.Shuffle(Vector128{byte}, Vector128{byte})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Shuffle(Vector128<byte> source, Vector128<byte> indices)
    {
        if (Ssse3.IsSupported)
        {
            return Ssse3.Shuffle(source, indices);
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.VectorTableLookup(source, indices);
        }

        return Vector128.Shuffle(source, indices);
    }

    /// <summary>Indices that gather byte <c>pick(i)</c> of one of <paramref name="sources"/> consecutive 16-byte
    /// loads into lane i: one mask per load, 0x80 (zero) where lane i comes from another load.</summary>
    public static Vector128<byte>[] Gather(int sources, Func<int, int> pick)
    {
        var masks = new Vector128<byte>[sources];
        Span<byte> lanes = stackalloc byte[16];
        for (var s = 0; s < sources; s++)
        {
            for (var i = 0; i < 16; i++)
            {
                int k = pick(i);
                lanes[i] = k >= 0 && k / 16 == s ? (byte)(k % 16) : (byte)0x80;
            }

            masks[s] = Vector128.Create((ReadOnlySpan<byte>)lanes);
        }

        return masks;
    }
}
