using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeMobileNet.Training;

/// <summary>
/// Row-major float matrix product C[M×N] += A[M×K] · B[K×N], register-blocked (4 rows × 2 vectors of columns,
/// each A element broadcast against B's row; 6 rows × 2 512-bit vectors where the CPU has them). Every output element is one fused multiply-add chain over k in
/// order, so results do not depend on how rows are split between threads.
/// </summary>
internal static partial class MatMul
{
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, int threads)
    {
        if (threads <= 1 || m < 64)
        {
            Rows(a, b, c, 0, m, k, n);
            return;
        }

        var parts = threads * 2;
        unsafe
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                var (ia, ib, ic) = ((nint)pa, (nint)pb, (nint)pc);
                var (la, lb, lc) = (a.Length, b.Length, c.Length);
                Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
                {
                    var r0 = (int)((long)m * p / parts);
                    var r1 = (int)((long)m * (p + 1) / parts);
                    Rows(new ReadOnlySpan<float>((float*)ia, la), new ReadOnlySpan<float>((float*)ib, lb), new Span<float>((float*)ic, lc), r0, r1, k, n);
                });
            }
        }
    }

    private static void Rows(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int r0, int r1, int k, int n)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Rows512(a, b, c, r0, r1, k, n);
            return;
        }

        var w = Vector<float>.Count;
        var r = r0;
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rc = ref MemoryMarshal.GetReference(c);
        for (; r + 4 <= r1; r += 4)
        {
            var j = 0;
            for (; j + (2 * w) <= n; j += 2 * w)
            {
                var c00 = Load(ref rc, (r * n) + j);
                var c01 = Load(ref rc, (r * n) + j + w);
                var c10 = Load(ref rc, ((r + 1) * n) + j);
                var c11 = Load(ref rc, ((r + 1) * n) + j + w);
                var c20 = Load(ref rc, ((r + 2) * n) + j);
                var c21 = Load(ref rc, ((r + 2) * n) + j + w);
                var c30 = Load(ref rc, ((r + 3) * n) + j);
                var c31 = Load(ref rc, ((r + 3) * n) + j + w);
                for (var kk = 0; kk < k; kk++)
                {
                    var b0 = Load(ref rb, (kk * n) + j);
                    var b1 = Load(ref rb, (kk * n) + j + w);
                    var a0 = new Vector<float>(Unsafe.Add(ref ra, (r * k) + kk));
                    c00 = Vector.FusedMultiplyAdd(a0, b0, c00);
                    c01 = Vector.FusedMultiplyAdd(a0, b1, c01);
                    var a1 = new Vector<float>(Unsafe.Add(ref ra, ((r + 1) * k) + kk));
                    c10 = Vector.FusedMultiplyAdd(a1, b0, c10);
                    c11 = Vector.FusedMultiplyAdd(a1, b1, c11);
                    var a2 = new Vector<float>(Unsafe.Add(ref ra, ((r + 2) * k) + kk));
                    c20 = Vector.FusedMultiplyAdd(a2, b0, c20);
                    c21 = Vector.FusedMultiplyAdd(a2, b1, c21);
                    var a3 = new Vector<float>(Unsafe.Add(ref ra, ((r + 3) * k) + kk));
                    c30 = Vector.FusedMultiplyAdd(a3, b0, c30);
                    c31 = Vector.FusedMultiplyAdd(a3, b1, c31);
                }

                Store(c00, ref rc, (r * n) + j);
                Store(c01, ref rc, (r * n) + j + w);
                Store(c10, ref rc, ((r + 1) * n) + j);
                Store(c11, ref rc, ((r + 1) * n) + j + w);
                Store(c20, ref rc, ((r + 2) * n) + j);
                Store(c21, ref rc, ((r + 2) * n) + j + w);
                Store(c30, ref rc, ((r + 3) * n) + j);
                Store(c31, ref rc, ((r + 3) * n) + j + w);
            }

            for (var rr = r; rr < r + 4; rr++)
            {
                Tail(a, b, c, rr, j, k, n);
            }
        }

        for (; r < r1; r++)
        {
            Tail(a, b, c, r, 0, k, n);
        }
    }

    /// <summary>Columns [j0, n) of row r, one element at a time (same k order, fused multiply-add).</summary>
    private static void Tail(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int r, int j0, int k, int n)
    {
        for (var j = j0; j < n; j++)
        {
            var acc = c[(r * n) + j];
            for (var kk = 0; kk < k; kk++)
            {
                acc = MathF.FusedMultiplyAdd(a[(r * k) + kk], b[(kk * n) + j], acc);
            }

            c[(r * n) + j] = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float start, int offset) =>
        Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> v, ref float start, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, offset)), v);
}
