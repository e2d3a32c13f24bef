using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// Depthwise integer convolution (any kernel size, stride, padding, dilation) with AVX-512. NHWC keeps channels
/// innermost, so a tap is a vector of channels. Interior pixels (every tap inside the image) take the paired-tap
/// vpmaddwd path, 32 channels and two pixels at a time (<see cref="QuantDepthwisePairs"/>); border pixels take it one at a
/// time with their padded taps reading a row of zero points. Without the paired path (fewer than 32 channels), each
/// tap is a 16-channel vector widened to int32 (vpmovzxbd), centred, vpmulld over the in-image taps; layers narrower
/// than one vector take the scalar reference's arithmetic.
/// </summary>
internal sealed class Avx512QuantDepthwise : IQuantConvKernel
{
    private const int Lanes = 16;
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

    // Interior fast path: output rows/columns whose taps are all inside the image, tap offsets from the window's
    // origin, and per 32-channel group (the last one may overlap the previous) the packed tap pairs, folded bias and
    // scales in the interleaved channel order.
    private readonly bool _paired;
    private readonly int _rowFirst;
    private readonly int _rowEnd;
    private readonly int _colFirst;
    private readonly int _colEnd;
    private readonly int _tapPairs;
    private readonly int[] _tapOffsets = [];
    private readonly int[] _groupStarts = [];
    private readonly int[] _pairWeights = [];
    private readonly int[] _foldedBias = [];
    private readonly float[] _pairScales = [];

    /// <summary>C copies of the input zero point: a padded tap reads it and contributes (zx - zx) * w = 0 exactly.</summary>
    private readonly byte[] _zeroPointRow = [];

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

        _paired = QuantDepthwisePairs.Applies(p, Lanes);
        if (!_paired)
        {
            return;
        }

        var pairs = new QuantDepthwisePairs(p, Lanes);
        (_rowFirst, _rowEnd, _colFirst, _colEnd) = (pairs.RowFirst, pairs.RowEnd, pairs.ColumnFirst, pairs.ColumnEnd);
        (_tapPairs, _tapOffsets, _groupStarts) = (pairs.TapPairs, pairs.TapOffsets, pairs.GroupStarts);
        (_pairWeights, _foldedBias, _pairScales) = (pairs.Weights, pairs.Bias, pairs.Scales);
        _zeroPointRow = Enumerable.Repeat((byte)p.InputZeroPoint, p.Shape.OutC).ToArray();
    }

    public long PackedBytes => (_weights.Length + _bias.Length + _scales.Length + _pairWeights.Length + _foldedBias.Length + _pairScales.Length + _tapOffsets.Length) * 4L;

    /// <summary>
    /// <paramref name="count"/> consecutive interior output pixels of one row, every channel; <paramref name="x"/> is the
    /// first pixel's top-left input tap. Two pixels share each weight load.
    /// </summary>
    private void InteriorRun(ref byte x, ref byte y, int count)
    {
        var lo = Vector512.Create(_lo);
        var hi = Vector512.Create(_hi);
        var zy = Vector512.Create(_outputZeroPoint);
        ref var offsets = ref _tapOffsets[0];
        var pairs = _tapPairs;
        var c = _s.OutC;
        var step = _s.StrideW * c;
        var i = 0;
        for (; i + 2 <= count; i += 2)
        {
            ref var x0 = ref Unsafe.Add(ref x, i * step);
            ref var x1 = ref Unsafe.Add(ref x0, step);
            ref var y0 = ref Unsafe.Add(ref y, i * c);
            ref var w = ref _pairWeights[0];
            for (var g = 0; g < _groupStarts.Length; g++)
            {
                var c0 = _groupStarts[g];
                var bLo = Vector512.LoadUnsafe(ref _foldedBias[g * Block]);
                var bHi = Vector512.LoadUnsafe(ref _foldedBias[g * Block], Lanes);
                Vector512<int> p0Lo = bLo, p0Hi = bHi, p1Lo = bLo, p1Hi = bHi;
                for (var q = 0; q < pairs; q++)
                {
                    var oa = Unsafe.Add(ref offsets, 2 * q) + c0;
                    var ob = Unsafe.Add(ref offsets, (2 * q) + 1) + c0;
                    var wLo = Vector512.LoadUnsafe(ref w).AsInt16();
                    var wHi = Vector512.LoadUnsafe(ref w, Lanes).AsInt16();
                    w = ref Unsafe.Add(ref w, Block);
                    var xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, oa)));
                    var xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, ob)));
                    p0Lo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), wLo);
                    p0Hi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), wHi);
                    xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x1, oa)));
                    xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x1, ob)));
                    p1Lo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), wLo);
                    p1Hi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), wHi);
                }

                var sLo = Vector512.LoadUnsafe(ref _pairScales[g * Block]);
                var sHi = Vector512.LoadUnsafe(ref _pairScales[g * Block], Lanes);
                Pack(RequantizeInt(p0Lo, sLo, lo, hi, zy), RequantizeInt(p0Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)c0);
                Pack(RequantizeInt(p1Lo, sLo, lo, hi, zy), RequantizeInt(p1Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)(c0 + c));
            }
        }

        if (i < count)
        {
            ref var x0 = ref Unsafe.Add(ref x, i * step);
            ref var y0 = ref Unsafe.Add(ref y, i * c);
            ref var w = ref _pairWeights[0];
            for (var g = 0; g < _groupStarts.Length; g++)
            {
                var c0 = _groupStarts[g];
                var accLo = Vector512.LoadUnsafe(ref _foldedBias[g * Block]);
                var accHi = Vector512.LoadUnsafe(ref _foldedBias[g * Block], Lanes);
                for (var q = 0; q < pairs; q++)
                {
                    var xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, Unsafe.Add(ref offsets, 2 * q) + c0)));
                    var xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, Unsafe.Add(ref offsets, (2 * q) + 1) + c0)));
                    accLo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), Vector512.LoadUnsafe(ref w).AsInt16());
                    accHi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), Vector512.LoadUnsafe(ref w, Lanes).AsInt16());
                    w = ref Unsafe.Add(ref w, Block);
                }

                var qLo = RequantizeInt(accLo, Vector512.LoadUnsafe(ref _pairScales[g * Block]), lo, hi, zy);
                var qHi = RequantizeInt(accHi, Vector512.LoadUnsafe(ref _pairScales[g * Block], Lanes), lo, hi, zy);
                Pack(qLo, qHi).StoreUnsafe(ref y0, (nuint)c0);
            }
        }
    }

    /// <summary>Two interleaved-order int32 vectors (values 0..255) to 32 bytes in channel order.</summary>
    /// <summary>
    /// A pixel whose window crosses the image border, on the paired path: padded taps read
    /// <see cref="_zeroPointRow"/>, which the folded bias turns into exact zero contributions.
    /// </summary>
    private void BorderPixel(ref byte x, ref byte y, int oh, int ow, Span<int> taps)
    {
        var s = _s;
        var c = s.OutC;
        var ih0 = (oh * s.StrideH) - s.PadTop;
        var iw0 = (ow * s.StrideW) - s.PadLeft;
        var n = s.KH * s.KW;
        for (var t = 0; t < taps.Length; t++)
        {
            var tap = Math.Min(t, n - 1);
            var ih = ih0 + ((tap / s.KW) * s.DilationH);
            var iw = iw0 + ((tap % s.KW) * s.DilationW);
            taps[t] = (uint)ih < (uint)s.InH && (uint)iw < (uint)s.InW ? ((ih * s.InW) + iw) * c : -1;
        }

        var lo = Vector512.Create(_lo);
        var hi = Vector512.Create(_hi);
        var zy = Vector512.Create(_outputZeroPoint);
        ref var zp = ref _zeroPointRow[0];
        ref var w = ref _pairWeights[0];
        ref var y0 = ref Unsafe.Add(ref y, ((oh * s.OutW) + ow) * c);
        for (var g = 0; g < _groupStarts.Length; g++)
        {
            var c0 = _groupStarts[g];
            var accLo = Vector512.LoadUnsafe(ref _foldedBias[g * Block]);
            var accHi = Vector512.LoadUnsafe(ref _foldedBias[g * Block], Lanes);
            for (var q = 0; q < _tapPairs; q++)
            {
                var ta = taps[2 * q];
                var tb = taps[(2 * q) + 1];
                ref var pa = ref ta >= 0 ? ref Unsafe.Add(ref x, ta + c0) : ref Unsafe.Add(ref zp, c0);
                ref var pb = ref tb >= 0 ? ref Unsafe.Add(ref x, tb + c0) : ref Unsafe.Add(ref zp, c0);
                var xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref pa));
                var xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref pb));
                accLo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), Vector512.LoadUnsafe(ref w).AsInt16());
                accHi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), Vector512.LoadUnsafe(ref w, Lanes).AsInt16());
                w = ref Unsafe.Add(ref w, Block);
            }

            var qLo = RequantizeInt(accLo, Vector512.LoadUnsafe(ref _pairScales[g * Block]), lo, hi, zy);
            var qHi = RequantizeInt(accHi, Vector512.LoadUnsafe(ref _pairScales[g * Block], Lanes), lo, hi, zy);
            Pack(qLo, qHi).StoreUnsafe(ref y0, (nuint)c0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Pack(Vector512<int> lo, Vector512<int> hi) =>
        Avx512BW.ConvertToVector256Byte(Avx512BW.PackSignedSaturate(lo, hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> RequantizeInt(Vector512<int> acc, Vector512<float> scale, Vector512<float> lo, Vector512<float> hi, Vector512<int> zy)
    {
        var v = Avx512F.Multiply(Avx512F.ConvertToVector512Single(acc), scale);
        v = Avx512F.Min(Avx512F.Max(v, lo), hi);
        return Avx512F.ConvertToVector512Int32(v) + zy;
    }

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
        Span<int> taps = stackalloc int[_paired ? 2 * _tapPairs : 0];
        for (var oh = 0; oh < s.OutH; oh++)
        {
            var (ih0, kh0, kh1) = s.RowTaps(oh);
            var rowInterior = _paired && oh >= _rowFirst && oh < _rowEnd;
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var (iw0, kw0, kw1) = s.ColumnTaps(ow);
                if (rowInterior && ow == _colFirst && _colEnd > _colFirst)
                {
                    InteriorRun(ref Unsafe.Add(ref x, ((ih0 * s.InW) + iw0) * c), ref Unsafe.Add(ref y, ((oh * s.OutW) + ow) * c), _colEnd - _colFirst);
                    ow = _colEnd - 1;
                    continue;
                }

                if (_paired)
                {
                    BorderPixel(ref x, ref y, oh, ow, taps);
                    continue;
                }

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
