using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Float pointwise and depthwise convolutions with AVX-512F in exactly the reference's order of operations, so results
/// equal <see cref="Scalar.ScalarConvKernels"/> bit for bit: pointwise in MLAS's blocked fused multiply-add order,
/// depthwise as separate multiply and add per tap starting from the bias. Channels past the last multiple of 16 use
/// the same scalar operations.
/// </summary>
internal static class Avx512FloatKernels
{
    private const int Lanes = 16;
    private const int Rows = 6;

    /// <summary>
    /// y = clamp(sum of blocked FMA chains + bias, lo, hi) (+ residual) over M rows. <paramref name="tile"/> holds
    /// at least 6 x 16 floats.
    /// </summary>
    public static void PointwiseMlasOrder(
        int m, int k, int n, int strideK, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var w = ref MemoryMarshal.GetReference(weights);
        ref var y = ref MemoryMarshal.GetReference(output);
        // Channel blocks of 16; a ragged end is covered by one more block ending at n (it recomputes a few channels
        // with identical arithmetic), so only layers narrower than 16 channels take the scalar tail.
        var full = n < Lanes ? 0 : n;
        Span<float> tile = stackalloc float[Rows * Lanes];
        ref var t = ref MemoryMarshal.GetReference(tile);
        var p = 0;
        for (; p + Rows <= m; p += Rows)
        {
            for (var c0 = 0; c0 < full; c0 += Lanes)
            {
                var c = Math.Min(c0, n - Lanes);
                for (var k0 = 0; k0 < k; k0 += strideK)
                {
                    Chain6(ref Unsafe.Add(ref x, p * k), k, ref Unsafe.Add(ref w, c), n, k0, Math.Min(k, k0 + strideK), ref t, k0 == 0);
                }

                for (var r = 0; r < Rows; r++)
                {
                    Finish(Vector512.LoadUnsafe(ref t, (nuint)(r * Lanes)), bias, c, lo, hi, residual, ((p + r) * n) + c, ref y);
                }
            }
        }

        for (; p < m; p++)
        {
            for (var c0 = 0; c0 < full; c0 += Lanes)
            {
                var c = Math.Min(c0, n - Lanes);
                var acc = Vector512<float>.Zero;
                for (var k0 = 0; k0 < k; k0 += strideK)
                {
                    var chain = Vector512<float>.Zero;
                    var end = Math.Min(k, k0 + strideK);
                    for (var i = k0; i < end; i++)
                    {
                        chain = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, (p * k) + i)), Vector512.LoadUnsafe(ref w, (nuint)((i * n) + c)), chain);
                    }

                    acc = k0 == 0 ? chain : acc + chain;
                }

                Finish(acc, bias, c, lo, hi, residual, (p * n) + c, ref y);
            }
        }

        // Channel tail: the same chains one channel at a time.
        for (var c = full; c < n; c++)
        {
            for (var q = 0; q < m; q++)
            {
                var acc = 0f;
                for (var k0 = 0; k0 < k; k0 += strideK)
                {
                    var chain = 0f;
                    var end = Math.Min(k, k0 + strideK);
                    for (var i = k0; i < end; i++)
                    {
                        chain = MathF.FusedMultiplyAdd(input[(q * k) + i], weights[(i * n) + c], chain);
                    }

                    acc = k0 == 0 ? chain : acc + chain;
                }

                var v = Math.Clamp(acc + bias[c], lo, hi);
                output[(q * n) + c] = residual.IsEmpty ? v : v + residual[(q * n) + c];
            }
        }
    }

    /// <summary>One reduction block for 6 rows x 16 channels; the first block stores, later ones add (MLAS order).</summary>
    private static void Chain6(ref float x, int k, ref float w, int n, int k0, int end, ref float t, bool first)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        for (var i = k0; i < end; i++)
        {
            var wv = Vector512.LoadUnsafe(ref w, (nuint)(i * n));
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i)), wv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, k + i)), wv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, (2 * k) + i)), wv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, (3 * k) + i)), wv, a3);
            a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, (4 * k) + i)), wv, a4);
            a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, (5 * k) + i)), wv, a5);
        }

        if (!first)
        {
            a0 = Vector512.LoadUnsafe(ref t) + a0;
            a1 = Vector512.LoadUnsafe(ref t, Lanes) + a1;
            a2 = Vector512.LoadUnsafe(ref t, 2 * Lanes) + a2;
            a3 = Vector512.LoadUnsafe(ref t, 3 * Lanes) + a3;
            a4 = Vector512.LoadUnsafe(ref t, 4 * Lanes) + a4;
            a5 = Vector512.LoadUnsafe(ref t, 5 * Lanes) + a5;
        }

        a0.StoreUnsafe(ref t);
        a1.StoreUnsafe(ref t, Lanes);
        a2.StoreUnsafe(ref t, 2 * Lanes);
        a3.StoreUnsafe(ref t, 3 * Lanes);
        a4.StoreUnsafe(ref t, 4 * Lanes);
        a5.StoreUnsafe(ref t, 5 * Lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<float> acc, ReadOnlySpan<float> bias, int c, float lo, float hi, ReadOnlySpan<float> residual, int at, ref float y)
    {
        // Math.Clamp order: lower bound first, then upper (identical for non-NaN values).
        var v = acc + Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)c);
        v = Avx512F.Min(Avx512F.Max(v, Vector512.Create(lo)), Vector512.Create(hi));
        if (!residual.IsEmpty)
        {
            v += Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(residual), (nuint)at);
        }

        v.StoreUnsafe(ref y, (nuint)at);
    }

    /// <summary>Depthwise float: acc = bias, then per tap acc += x * w (multiply, then add), then clamp and residual.</summary>
    public static void Depthwise(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        var c = s.OutC;
        var full = c < Lanes ? 0 : c;
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var w = ref MemoryMarshal.GetReference(weights);
        ref var y = ref MemoryMarshal.GetReference(output);
        for (var oh = 0; oh < s.OutH; oh++)
        {
            var (ih0, kh0, kh1) = s.RowTaps(oh);
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var (iw0, kw0, kw1) = s.ColumnTaps(ow);
                var outAt = ((oh * s.OutW) + ow) * c;
                for (var c0 = 0; c0 < full; c0 += Lanes)
                {
                    var ch = Math.Min(c0, c - Lanes);
                    var acc = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)ch);
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        var rowAt = ((ih0 + (kh * s.DilationH)) * s.InW * c) + ch;
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            var xv = Vector512.LoadUnsafe(ref x, (nuint)(rowAt + ((iw0 + (kw * s.DilationW)) * c)));
                            var wv = Vector512.LoadUnsafe(ref w, (nuint)((((kh * s.KW) + kw) * c) + ch));
                            acc += xv * wv;
                        }
                    }

                    acc = Avx512F.Min(Avx512F.Max(acc, Vector512.Create(lo)), Vector512.Create(hi));
                    if (!residual.IsEmpty)
                    {
                        acc += Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(residual), (nuint)(outAt + ch));
                    }

                    acc.StoreUnsafe(ref y, (nuint)(outAt + ch));
                }

                for (var ch = full; ch < c; ch++)
                {
                    var acc = bias[ch];
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            var xi = ((((ih0 + (kh * s.DilationH)) * s.InW) + iw0 + (kw * s.DilationW)) * c) + ch;
                            acc += input[xi] * weights[(((kh * s.KW) + kw) * c) + ch];
                        }
                    }

                    acc = Math.Clamp(acc, lo, hi);
                    output[outAt + ch] = residual.IsEmpty ? acc : acc + residual[outAt + ch];
                }
            }
        }
    }

    /// <summary>
    /// Group-1 float convolution of any kernel size (the stem) in the scalar reference's exact order: acc = bias, then
    /// per valid tap the input channels four at a time as ((x0 w0 + x1 w1) + x2 w2) + x3 w3 added to acc, the rest one
    /// product at a time; then clamp and residual. Needs at least 16 output channels.
    /// </summary>
    public static void Direct(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        var n = s.OutC;
        var cin = s.InC;
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var w = ref MemoryMarshal.GetReference(weights);
        ref var y = ref MemoryMarshal.GetReference(output);
        for (var oh = 0; oh < s.OutH; oh++)
        {
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var outAt = ((oh * s.OutW) + ow) * n;
                for (var c0 = 0; c0 < n; c0 += Lanes)
                {
                    var c = Math.Min(c0, n - Lanes);
                    var acc = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)c);
                    for (var kh = 0; kh < s.KH; kh++)
                    {
                        var ih = (oh * s.StrideH) - s.PadTop + (kh * s.DilationH);
                        if ((uint)ih >= (uint)s.InH)
                        {
                            continue;
                        }

                        for (var kw = 0; kw < s.KW; kw++)
                        {
                            var iw = (ow * s.StrideW) - s.PadLeft + (kw * s.DilationW);
                            if ((uint)iw >= (uint)s.InW)
                            {
                                continue;
                            }

                            ref var xp = ref Unsafe.Add(ref x, ((ih * s.InW) + iw) * cin);
                            ref var wp = ref Unsafe.Add(ref w, ((((kh * s.KW) + kw) * cin) * n) + c);
                            var ci = 0;
                            for (; ci + 4 <= cin; ci += 4)
                            {
                                var t = (Vector512.Create(Unsafe.Add(ref xp, ci)) * Vector512.LoadUnsafe(ref wp, (nuint)(ci * n)))
                                    + (Vector512.Create(Unsafe.Add(ref xp, ci + 1)) * Vector512.LoadUnsafe(ref wp, (nuint)((ci + 1) * n)));
                                t += Vector512.Create(Unsafe.Add(ref xp, ci + 2)) * Vector512.LoadUnsafe(ref wp, (nuint)((ci + 2) * n));
                                t += Vector512.Create(Unsafe.Add(ref xp, ci + 3)) * Vector512.LoadUnsafe(ref wp, (nuint)((ci + 3) * n));
                                acc += t;
                            }

                            for (; ci < cin; ci++)
                            {
                                acc += Vector512.Create(Unsafe.Add(ref xp, ci)) * Vector512.LoadUnsafe(ref wp, (nuint)(ci * n));
                            }
                        }
                    }

                    acc = Avx512F.Min(Avx512F.Max(acc, Vector512.Create(lo)), Vector512.Create(hi));
                    if (!residual.IsEmpty)
                    {
                        acc += Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(residual), (nuint)(outAt + c));
                    }

                    acc.StoreUnsafe(ref y, (nuint)(outAt + c));
                }
            }
        }
    }
}
