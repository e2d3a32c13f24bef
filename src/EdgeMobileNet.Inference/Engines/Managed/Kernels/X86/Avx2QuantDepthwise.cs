using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Depthwise integer convolution (any kernel size, stride, padding, dilation) with AVX2: NHWC keeps channels
/// innermost, so each tap is an 8-channel vector: bytes widened to int32 (vpmovzxbd), centred, multiplied by the
/// tap's weights (vpmulld) and accumulated in a register across all taps of the window; requantised in the epilogue.
/// Layers narrower than one vector take the scalar reference's arithmetic.
/// </summary>
internal sealed class Avx2QuantDepthwise : IQuantConvKernel
{
    private const int Lanes = 8;

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

    public Avx2QuantDepthwise(QuantConvParameters p)
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
        var zx = Vector256.Create(_inputZeroPoint);
        var zy = Vector256.Create(_outputZeroPoint);
        var lo = Vector256.Create(_lo);
        var hi = Vector256.Create(_hi);
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
                    var acc = Vector256.LoadUnsafe(ref bias, (nuint)ch);
                    for (var kh = kh0; kh < kh1; kh++)
                    {
                        var rowAt = ((ih0 + (kh * s.DilationH)) * s.InW * c) + ch;
                        for (var kw = kw0; kw < kw1; kw++)
                        {
                            var at = rowAt + ((iw0 + (kw * s.DilationW)) * c);
                            var xv = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref x, at))).AsByte()) - zx;
                            var wv = Vector256.LoadUnsafe(ref w, (nuint)((((kh * s.KW) + kw) * c) + ch));
                            acc += Avx2.MultiplyLow(xv, wv);
                        }
                    }

                    var v = Avx.Multiply(Avx.ConvertToVector256Single(acc), Vector256.LoadUnsafe(ref scales, (nuint)ch));
                    v = Avx.Min(Avx.Max(v, lo), hi);
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, outAt + ch), Avx2QuantGemm.Narrow(Avx.ConvertToVector256Int32(v) + zy));
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
}
