using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Depthwise integer convolution (any kernel size, stride, padding, dilation) with AVX-512: NHWC keeps channels
/// innermost, so each tap is a 16-channel vector: bytes widened to int32 (vpmovzxbd), centred, multiplied by the
/// tap's weights (vpmulld) and accumulated in a register across all taps of the window; requantised in the epilogue.
/// Layers narrower than one vector take the scalar reference's arithmetic.
/// </summary>
internal sealed class Avx512QuantDepthwise : IQuantConvKernel
{
    private const int Lanes = 16;

    private readonly ConvShape _s;
    private readonly int[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly int _inputZeroPoint;
    private readonly int _outputZeroPoint;
    private readonly int _min;
    private readonly int _max;
    private readonly float _lo;
    private readonly float _hi;

    public Avx512QuantDepthwise(QuantConvParameters p)
    {
        _s = p.Shape;
        _weights = p.Weights;
        _bias = p.PaddedBias(p.Shape.OutC);
        _scales = p.PaddedScales(p.Shape.OutC);
        _inputZeroPoint = p.InputZeroPoint;
        _outputZeroPoint = p.OutputZeroPoint;
        _min = p.Min;
        _max = p.Max;
        _lo = p.Lo;
        _hi = p.Hi;
    }

    public long PackedBytes => (_weights.Length + _bias.Length + _scales.Length) * 4L;

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var s = _s;
        var c = s.OutC;
        var full = c < Lanes ? 0 : c; // a ragged end is one more (overlapping) block ending at c
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var y = ref MemoryMarshal.GetReference(output);
        ref var w = ref _weights[0];
        ref var bias = ref _bias[0];
        ref var scales = ref _scales[0];
        var zx = Vector512.Create(_inputZeroPoint);
        var zy = Vector512.Create(_outputZeroPoint);
        var lo = Vector512.Create(_lo);
        var hi = Vector512.Create(_hi);
        for (var oh = 0; oh < s.OutH; oh++)
        {
            var (ih0, kh0, kh1) = s.RowTaps(oh);
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var (iw0, kw0, kw1) = s.ColumnTaps(ow);
                var outAt = ((oh * s.OutW) + ow) * c;
                var c0 = 0;

                // 64 (then 32) channels per pass: independent accumulators share the tap loop and its address arithmetic.
                for (; c0 + (4 * Lanes) <= full; c0 += 4 * Lanes)
                {
                    var a0 = Vector512.LoadUnsafe(ref bias, (nuint)c0);
                    var a1 = Vector512.LoadUnsafe(ref bias, (nuint)(c0 + Lanes));
                    var a2 = Vector512.LoadUnsafe(ref bias, (nuint)(c0 + (2 * Lanes)));
                    var a3 = Vector512.LoadUnsafe(ref bias, (nuint)(c0 + (3 * Lanes)));
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        var rowAt = ((ih0 + (kh * s.DilationH)) * s.InW * c) + c0;
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            ref var xp = ref Unsafe.Add(ref x, rowAt + ((iw0 + (kw * s.DilationW)) * c));
                            ref var wp = ref Unsafe.Add(ref w, (((kh * s.KW) + kw) * c) + c0);
                            a0 += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref xp)) - zx, Vector512.LoadUnsafe(ref wp));
                            a1 += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref xp, Lanes)) - zx, Vector512.LoadUnsafe(ref wp, Lanes));
                            a2 += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref xp, 2 * Lanes)) - zx, Vector512.LoadUnsafe(ref wp, 2 * Lanes));
                            a3 += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref xp, 3 * Lanes)) - zx, Vector512.LoadUnsafe(ref wp, 3 * Lanes));
                        }
                    }

                    Requantize(a0, c0, ref scales, lo, hi, zy).StoreUnsafe(ref y, (nuint)(outAt + c0));
                    Requantize(a1, c0 + Lanes, ref scales, lo, hi, zy).StoreUnsafe(ref y, (nuint)(outAt + c0 + Lanes));
                    Requantize(a2, c0 + (2 * Lanes), ref scales, lo, hi, zy).StoreUnsafe(ref y, (nuint)(outAt + c0 + (2 * Lanes)));
                    Requantize(a3, c0 + (3 * Lanes), ref scales, lo, hi, zy).StoreUnsafe(ref y, (nuint)(outAt + c0 + (3 * Lanes)));
                }

                for (; c0 + (2 * Lanes) <= full; c0 += 2 * Lanes)
                {
                    var a0 = Vector512.LoadUnsafe(ref bias, (nuint)c0);
                    var a1 = Vector512.LoadUnsafe(ref bias, (nuint)(c0 + Lanes));
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        var rowAt = ((ih0 + (kh * s.DilationH)) * s.InW * c) + c0;
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            ref var xp = ref Unsafe.Add(ref x, rowAt + ((iw0 + (kw * s.DilationW)) * c));
                            ref var wp = ref Unsafe.Add(ref w, (((kh * s.KW) + kw) * c) + c0);
                            a0 += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref xp)) - zx, Vector512.LoadUnsafe(ref wp));
                            a1 += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref xp, Lanes)) - zx, Vector512.LoadUnsafe(ref wp, Lanes));
                        }
                    }

                    Requantize(a0, c0, ref scales, lo, hi, zy).StoreUnsafe(ref y, (nuint)(outAt + c0));
                    Requantize(a1, c0 + Lanes, ref scales, lo, hi, zy).StoreUnsafe(ref y, (nuint)(outAt + c0 + Lanes));
                }

                for (; c0 < full; c0 += Lanes)
                {
                    var ch = Math.Min(c0, c - Lanes);
                    var acc = Vector512.LoadUnsafe(ref bias, (nuint)ch);
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        var rowAt = ((ih0 + (kh * s.DilationH)) * s.InW * c) + ch;
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            var at = rowAt + ((iw0 + (kw * s.DilationW)) * c);
                            var xv = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref x, (nuint)at)) - zx;
                            var wv = Vector512.LoadUnsafe(ref w, (nuint)((((kh * s.KW) + kw) * c) + ch));
                            acc += Avx512F.MultiplyLow(xv, wv);
                        }
                    }

                    var v = Avx512F.Multiply(Avx512F.ConvertToVector512Single(acc), Vector512.LoadUnsafe(ref scales, (nuint)ch));
                    v = Avx512F.Min(Avx512F.Max(v, lo), hi);
                    Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + zy).StoreUnsafe(ref y, (nuint)(outAt + ch));
                }

                for (var ch = full; ch < c; ch++)
                {
                    var acc = _bias[ch];
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            var at = ((((ih0 + (kh * s.DilationH)) * s.InW) + iw0 + (kw * s.DilationW)) * c) + ch;
                            acc += (Unsafe.Add(ref x, at) - _inputZeroPoint) * _weights[(((kh * s.KW) + kw) * c) + ch];
                        }
                    }

                    Unsafe.Add(ref y, outAt + ch) = Requantization.Requantize(acc, _scales[ch], _outputZeroPoint, _min, _max);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Requantize(Vector512<int> acc, int c, ref float scales, Vector512<float> lo, Vector512<float> hi, Vector512<int> zy)
    {
        var v = Avx512F.Multiply(Avx512F.ConvertToVector512Single(acc), Vector512.LoadUnsafe(ref scales, (nuint)c));
        v = Avx512F.Min(Avx512F.Max(v, lo), hi);
        return Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + zy);
    }
}
