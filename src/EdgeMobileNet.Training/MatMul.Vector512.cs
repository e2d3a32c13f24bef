using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeMobileNet.Training;

/// <summary>The 512-bit kernel (AVX-512): 6 rows × 32 columns held in 12 accumulators per pass over k. The
/// arithmetic per output element is the same fused multiply-add chain over k in order as the portable kernel, so
/// the result bits do not depend on which kernel ran.</summary>
internal static partial class MatMul
{
    private static void Rows512(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int r0, int r1, int k, int n)
    {
        const int w = 16;
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rc = ref MemoryMarshal.GetReference(c);
        var r = r0;
        for (; r + 6 <= r1; r += 6)
        {
            var j = 0;
            for (; j + (2 * w) <= n; j += 2 * w)
            {
                var c00 = L(ref rc, (r * n) + j);
                var c01 = L(ref rc, (r * n) + j + w);
                var c10 = L(ref rc, ((r + 1) * n) + j);
                var c11 = L(ref rc, ((r + 1) * n) + j + w);
                var c20 = L(ref rc, ((r + 2) * n) + j);
                var c21 = L(ref rc, ((r + 2) * n) + j + w);
                var c30 = L(ref rc, ((r + 3) * n) + j);
                var c31 = L(ref rc, ((r + 3) * n) + j + w);
                var c40 = L(ref rc, ((r + 4) * n) + j);
                var c41 = L(ref rc, ((r + 4) * n) + j + w);
                var c50 = L(ref rc, ((r + 5) * n) + j);
                var c51 = L(ref rc, ((r + 5) * n) + j + w);
                ref var a0 = ref Unsafe.Add(ref ra, r * k);
                ref var a1 = ref Unsafe.Add(ref a0, k);
                ref var a2 = ref Unsafe.Add(ref a1, k);
                ref var a3 = ref Unsafe.Add(ref a2, k);
                ref var a4 = ref Unsafe.Add(ref a3, k);
                ref var a5 = ref Unsafe.Add(ref a4, k);
                for (var kk = 0; kk < k; kk++)
                {
                    var b0 = L(ref rb, (kk * n) + j);
                    var b1 = L(ref rb, (kk * n) + j + w);
                    var x = Vector512.Create(Unsafe.Add(ref a0, kk));
                    c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
                    c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                    x = Vector512.Create(Unsafe.Add(ref a1, kk));
                    c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
                    c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                    x = Vector512.Create(Unsafe.Add(ref a2, kk));
                    c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
                    c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                    x = Vector512.Create(Unsafe.Add(ref a3, kk));
                    c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
                    c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                    x = Vector512.Create(Unsafe.Add(ref a4, kk));
                    c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
                    c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                    x = Vector512.Create(Unsafe.Add(ref a5, kk));
                    c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
                    c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                }

                S(c00, ref rc, (r * n) + j);
                S(c01, ref rc, (r * n) + j + w);
                S(c10, ref rc, ((r + 1) * n) + j);
                S(c11, ref rc, ((r + 1) * n) + j + w);
                S(c20, ref rc, ((r + 2) * n) + j);
                S(c21, ref rc, ((r + 2) * n) + j + w);
                S(c30, ref rc, ((r + 3) * n) + j);
                S(c31, ref rc, ((r + 3) * n) + j + w);
                S(c40, ref rc, ((r + 4) * n) + j);
                S(c41, ref rc, ((r + 4) * n) + j + w);
                S(c50, ref rc, ((r + 5) * n) + j);
                S(c51, ref rc, ((r + 5) * n) + j + w);
            }

            for (var rr = r; rr < r + 6; rr++)
            {
                Tail(a, b, c, rr, j, k, n);
            }
        }

        for (; r < r1; r++)
        {
            Tail(a, b, c, r, 0, k, n);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> L(ref float start, int offset) =>
        Unsafe.ReadUnaligned<Vector512<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void S(Vector512<float> v, ref float start, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, offset)), v);
}
