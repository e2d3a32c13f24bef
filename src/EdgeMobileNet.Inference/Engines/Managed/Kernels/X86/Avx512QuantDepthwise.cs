using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// The AVX-512 depthwise micro-kernel (<see cref="QuantDepthwise{M, TConstants}"/>). With the paired-tap layout
/// (<see cref="QuantDepthwisePairs"/>, 32 channels per group), interior pixels take the vpmaddwd path two at a time and
/// border pixels one at a time, their padded taps reading a row of zero points (an exact zero contribution with the
/// folded bias). Without it (fewer than 32 channels, weights beyond int16, more than 256 taps) each in-image tap is
/// a 16-channel vector widened to int32 (vpmovzxbd), centred, vpmulld, accumulated across the window.
/// </summary>
internal struct Avx512QuantDepthwise : IQuantDepthwiseMicroKernel<Avx512QuantDepthwise, RequantConstants<Vector512<float>, Vector512<int>>>
{
    private const int Lanes = 16;
    private const int Group = 2 * Lanes;

    private ConvShape _s;
    private int[] _weights;
    private int[] _bias;
    private float[] _scales;
    private Vector512<int> _zx;
    private Vector512<int> _zy;
    private Vector512<float> _lo;
    private Vector512<float> _hi;
    private bool _paired;
    private int _tapPairs;
    private int[] _tapOffsets;
    private int[] _pairWeights;
    private int[] _foldedBias;
    private float[] _pairScales;
    private long _pairBytes;

    /// <summary>C copies of the input zero point: a padded tap reads it and contributes (zx - zx) * w = 0 exactly.</summary>
    private byte[] _zeroPointRow;

    /// <summary>The current border pixel's tap offsets (-1: outside the image), two per pair.</summary>
    private int[] _taps;

    readonly long IQuantDepthwiseMicroKernel<Avx512QuantDepthwise, RequantConstants<Vector512<float>, Vector512<int>>>.Bytes =>
        ((_weights.Length + _bias.Length + _scales.Length + _taps.Length) * 4L) + _pairBytes + _zeroPointRow.Length;

    readonly int IQuantDepthwiseMicroKernel<Avx512QuantDepthwise, RequantConstants<Vector512<float>, Vector512<int>>>.Lanes => _paired ? Group : Lanes;

    readonly int IQuantDepthwiseMicroKernel<Avx512QuantDepthwise, RequantConstants<Vector512<float>, Vector512<int>>>.InteriorGroup => _paired ? Group : 0;

    public static Avx512QuantDepthwise Create(QuantConvParameters p)
    {
        var k = new Avx512QuantDepthwise
        {
            _s = p.Shape,
            _weights = p.Weights,
            _bias = p.PaddedBias(p.Shape.OutC),
            _scales = p.PaddedScales(p.Shape.OutC),
            _zx = Vector512.Create(p.InputZeroPoint),
            _zy = Vector512.Create(p.OutputZeroPoint),
            _lo = Vector512.Create(p.Lo),
            _hi = Vector512.Create(p.Hi),
            _paired = QuantDepthwisePairs.Applies(p, Lanes),
            _tapOffsets = [],
            _pairWeights = [],
            _foldedBias = [],
            _pairScales = [],
            _zeroPointRow = [],
            _taps = [],
        };
        if (k._paired)
        {
            var pairs = new QuantDepthwisePairs(p, Lanes);
            (k._tapPairs, k._tapOffsets, k._pairBytes) = (pairs.TapPairs, pairs.TapOffsets, pairs.Bytes);
            (k._pairWeights, k._foldedBias, k._pairScales) = (pairs.Weights, pairs.Bias, pairs.Scales);
            k._zeroPointRow = Enumerable.Repeat((byte)p.InputZeroPoint, p.Shape.OutC).ToArray();
            k._taps = new int[2 * pairs.TapPairs];
        }

        return k;
    }

    /// <summary>On the paired path: the pixel's tap offsets, padded taps marked -1.</summary>
    public readonly RequantConstants<Vector512<float>, Vector512<int>> Constants => new(_lo, _hi, _zy);

    public readonly void BeginPixel(in ConvShape s, int ih0, int iw0)
    {
        if (!_paired)
        {
            return;
        }

        var n = s.KH * s.KW;
        var taps = _taps;
        for (var t = 0; t < taps.Length; t++)
        {
            var tap = Math.Min(t, n - 1);
            var ih = ih0 + ((tap / s.KW) * s.DilationH);
            var iw = iw0 + ((tap % s.KW) * s.DilationW);
            taps[t] = (uint)ih < (uint)s.InH && (uint)iw < (uint)s.InW ? ((ih * s.InW) + iw) * s.OutC : -1;
        }
    }

    public readonly int Block(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch, int remaining)
    {
        if (_paired)
        {
            Single(ref x, ref _taps[0], true, ref Unsafe.Add(ref y, outAt), (ch + Group - 1) / Group, ch, Constants);
            return Group;
        }

        return Multiply16(ref x, ref y, rows, columns, outAt, ch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Pair(ref byte x0, ref byte x1, ref byte y0, int g, int ch, RequantConstants<Vector512<float>, Vector512<int>> k)
    {
        ref var offsets = ref _tapOffsets[0];
        var n = _tapPairs;
        ref var w = ref _pairWeights[g * n * Group];
        var bLo = Vector512.LoadUnsafe(ref _foldedBias[g * Group]);
        var bHi = Vector512.LoadUnsafe(ref _foldedBias[g * Group], Lanes);
        Vector512<int> p0Lo = bLo, p0Hi = bHi, p1Lo = bLo, p1Hi = bHi;
        for (var q = 0; q < n; q++)
        {
            var oa = Unsafe.Add(ref offsets, 2 * q) + ch;
            var ob = Unsafe.Add(ref offsets, (2 * q) + 1) + ch;
            var wLo = Vector512.LoadUnsafe(ref w).AsInt16();
            var wHi = Vector512.LoadUnsafe(ref w, Lanes).AsInt16();
            w = ref Unsafe.Add(ref w, Group);
            var xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, oa)));
            var xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, ob)));
            p0Lo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), wLo);
            p0Hi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), wHi);
            xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x1, oa)));
            xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref Unsafe.Add(ref x1, ob)));
            p1Lo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), wLo);
            p1Hi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), wHi);
        }

        var (lo, hi, zy) = (k.Lo, k.Hi, k.ZeroPoint);
        var sLo = Vector512.LoadUnsafe(ref _pairScales[g * Group]);
        var sHi = Vector512.LoadUnsafe(ref _pairScales[g * Group], Lanes);
        Pack(RequantizeInt(p0Lo, sLo, lo, hi, zy), RequantizeInt(p0Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)ch);
        Pack(RequantizeInt(p1Lo, sLo, lo, hi, zy), RequantizeInt(p1Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)(ch + _s.OutC));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void One(ref byte x0, ref byte y0, int g, int ch, RequantConstants<Vector512<float>, Vector512<int>> k) => Single(ref x0, ref _tapOffsets[0], false, ref y0, g, ch, k);

    /// <summary>16 channels of one pixel without the paired layout.</summary>
    private readonly int Multiply16(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch)
    {
        var s = _s;
        var c = s.OutC;
        ref var w = ref _weights[0];
        var zx = _zx;
        var acc = Vector512.LoadUnsafe(ref _bias[0], (nuint)ch);
        for (var kh = rows.First; kh < rows.End; kh++)
        {
            var rowAt = ((rows.Origin + (kh * s.DilationH)) * s.InW * c) + ch;
            for (var kw = columns.First; kw < columns.End; kw++)
            {
                var at = rowAt + ((columns.Origin + (kw * s.DilationW)) * c);
                var xv = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref x, (nuint)at)) - zx;
                acc += Avx512F.MultiplyLow(xv, Vector512.LoadUnsafe(ref w, (nuint)((((kh * s.KW) + kw) * c) + ch)));
            }
        }

        var v = Avx512F.Multiply(Avx512F.ConvertToVector512Single(acc), Vector512.LoadUnsafe(ref _scales[0], (nuint)ch));
        v = Avx512F.Min(Avx512F.Max(v, _lo), _hi);
        Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + _zy).StoreUnsafe(ref y, (nuint)(outAt + ch));
        return Lanes;
    }

    /// <summary>
    /// One pixel, one group: tap t at <paramref name="x"/> + <paramref name="taps"/>[t]; on a border pixel
    /// (<paramref name="border"/>) a tap of -1 is padding and reads <see cref="_zeroPointRow"/> instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Single(ref byte x, ref int taps, bool border, ref byte y0, int g, int ch, RequantConstants<Vector512<float>, Vector512<int>> k)
    {
        ref var zp = ref border ? ref _zeroPointRow[0] : ref x;
        var n = _tapPairs;
        ref var w = ref _pairWeights[g * n * Group];
        var accLo = Vector512.LoadUnsafe(ref _foldedBias[g * Group]);
        var accHi = Vector512.LoadUnsafe(ref _foldedBias[g * Group], Lanes);
        for (var q = 0; q < n; q++)
        {
            var ta = Unsafe.Add(ref taps, 2 * q);
            var tb = Unsafe.Add(ref taps, (2 * q) + 1);
            ref var pa = ref !border || ta >= 0 ? ref Unsafe.Add(ref x, ta + ch) : ref Unsafe.Add(ref zp, ch);
            ref var pb = ref !border || tb >= 0 ? ref Unsafe.Add(ref x, tb + ch) : ref Unsafe.Add(ref zp, ch);
            var xa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref pa));
            var xb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref pb));
            accLo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(xa, xb), Vector512.LoadUnsafe(ref w).AsInt16());
            accHi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(xa, xb), Vector512.LoadUnsafe(ref w, Lanes).AsInt16());
            w = ref Unsafe.Add(ref w, Group);
        }

        var (lo, hi, zy) = (k.Lo, k.Hi, k.ZeroPoint);
        Pack(RequantizeInt(accLo, Vector512.LoadUnsafe(ref _pairScales[g * Group]), lo, hi, zy), RequantizeInt(accHi, Vector512.LoadUnsafe(ref _pairScales[g * Group], Lanes), lo, hi, zy))
            .StoreUnsafe(ref y0, (nuint)ch);
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
}
