using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Depthwise integer convolution (any kernel size, stride, padding, dilation) with AVX2. Interior pixels (every tap
/// inside the image) take the paired-tap vpmaddwd path, 16 channels and two pixels at a time
/// (<see cref="QuantDepthwisePairs"/>). Border pixels: each tap an 8-channel vector widened to int32 (vpmovzxbd),
/// centred, vpmulld, accumulated across the window; requantised in the epilogue. Layers narrower than one vector take
/// the scalar reference's arithmetic.
/// </summary>
internal sealed class Avx2QuantDepthwise : IQuantConvKernel
{
    private const int Lanes = 8;
    private const int Block = 2 * Lanes;

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
    private readonly QuantDepthwisePairs? _pairs;

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
        _pairs = QuantDepthwisePairs.Applies(p, Lanes) ? new QuantDepthwisePairs(p, Lanes) : null;
    }

    public long PackedBytes => ((_weights.Length + _bias.Length + _scales.Length) * 4L) + (_pairs?.Bytes ?? 0);

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
            var rowInterior = _pairs is { } pr && oh >= pr.RowFirst && oh < pr.RowEnd;
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var (iw0, kw0, kw1) = s.ColumnTaps(ow);
                if (rowInterior && ow == _pairs!.ColumnFirst && _pairs.ColumnEnd > ow)
                {
                    InteriorRun(_pairs, ref Unsafe.Add(ref x, ((ih0 * s.InW) + iw0) * c), ref Unsafe.Add(ref y, ((oh * s.OutW) + ow) * c), _pairs.ColumnEnd - ow);
                    ow = _pairs.ColumnEnd - 1;
                    continue;
                }

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

    /// <summary>
    /// <paramref name="count"/> consecutive interior output pixels of one row, every channel; <paramref name="x"/> is the
    /// first pixel's top-left input tap. Two pixels share each weight load.
    /// </summary>
    private void InteriorRun(QuantDepthwisePairs pairs, ref byte x, ref byte y, int count)
    {
        var lo = Vector256.Create(_lo);
        var hi = Vector256.Create(_hi);
        var zy = Vector256.Create(_outputZeroPoint);
        ref var offsets = ref pairs.TapOffsets[0];
        var n = pairs.TapPairs;
        var groups = pairs.GroupStarts;
        var c = _s.OutC;
        var step = _s.StrideW * c;
        for (var i = 0; i < count; i += 2)
        {
            // An odd last pixel is computed twice (same bytes) rather than given its own loop.
            var single = count == 1;
            var first = single ? 0 : Math.Min(i, count - 2);
            ref var x0 = ref Unsafe.Add(ref x, first * step);
            ref var x1 = ref single ? ref x0 : ref Unsafe.Add(ref x0, step);
            ref var y0 = ref Unsafe.Add(ref y, first * c);
            ref var w = ref pairs.Weights[0];
            for (var g = 0; g < groups.Length; g++)
            {
                var c0 = groups[g];
                var bLo = Vector256.LoadUnsafe(ref pairs.Bias[g * Block]);
                var bHi = Vector256.LoadUnsafe(ref pairs.Bias[g * Block], Lanes);
                Vector256<int> p0Lo = bLo, p0Hi = bHi, p1Lo = bLo, p1Hi = bHi;
                for (var q = 0; q < n; q++)
                {
                    var oa = Unsafe.Add(ref offsets, 2 * q) + c0;
                    var ob = Unsafe.Add(ref offsets, (2 * q) + 1) + c0;
                    var wLo = Vector256.LoadUnsafe(ref w).AsInt16();
                    var wHi = Vector256.LoadUnsafe(ref w, Lanes).AsInt16();
                    w = ref Unsafe.Add(ref w, Block);
                    var xa = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x0, oa)));
                    var xb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x0, ob)));
                    p0Lo += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(xa, xb), wLo);
                    p0Hi += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(xa, xb), wHi);
                    xa = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x1, oa)));
                    xb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x1, ob)));
                    p1Lo += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(xa, xb), wLo);
                    p1Hi += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(xa, xb), wHi);
                }

                var sLo = Vector256.LoadUnsafe(ref pairs.Scales[g * Block]);
                var sHi = Vector256.LoadUnsafe(ref pairs.Scales[g * Block], Lanes);
                Pack(RequantizeInt(p0Lo, sLo, lo, hi, zy), RequantizeInt(p0Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)c0);
                if (!single)
                {
                    Pack(RequantizeInt(p1Lo, sLo, lo, hi, zy), RequantizeInt(p1Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)(c0 + c));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> RequantizeInt(Vector256<int> acc, Vector256<float> scale, Vector256<float> lo, Vector256<float> hi, Vector256<int> zy)
    {
        var v = Avx.Multiply(Avx.ConvertToVector256Single(acc), scale);
        v = Avx.Min(Avx.Max(v, lo), hi);
        return Avx.ConvertToVector256Int32(v) + zy;
    }

    /// <summary>Two interleaved-order int32 vectors (values 0..255) to 16 bytes in channel order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pack(Vector256<int> lo, Vector256<int> hi)
    {
        var words = Avx2.PackSignedSaturate(lo, hi);
        var bytes = Avx2.PackUnsignedSaturate(words, words);
        return Avx2.Permute4x64(bytes.AsUInt64(), 0b_00_00_10_00).AsByte().GetLower();
    }
}
