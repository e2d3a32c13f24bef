using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// The AVX2 depthwise micro-kernel (<see cref="QuantDepthwise{M, TConstants}"/>). Interior pixels take the paired-tap
/// vpmaddwd path, 16 channels and two pixels at a time (<see cref="QuantDepthwisePairs"/>; an odd last pixel runs the
/// same code with both pixels the same). Border pixels: each in-image tap an 8-channel vector widened to int32
/// (vpmovzxbd), centred, vpmulld, accumulated across the window; requantised in the epilogue.
/// </summary>
internal struct Avx2QuantDepthwise : IQuantDepthwiseMicroKernel<Avx2QuantDepthwise, RequantConstants<Vector256<float>, Vector256<int>>>
{
    private const int Lanes = 8;
    private const int Group = 2 * Lanes;

    private ConvShape _s;
    private int[] _weights;
    private int[] _bias;
    private float[] _scales;
    private Vector256<int> _zx;
    private Vector256<int> _zy;
    private Vector256<float> _lo;
    private Vector256<float> _hi;
    private bool _paired;
    private int _tapPairs;
    private int[] _tapOffsets;
    private int[] _pairWeights;
    private int[] _foldedBias;
    private float[] _pairScales;
    private long _pairBytes;

    readonly long IQuantDepthwiseMicroKernel<Avx2QuantDepthwise, RequantConstants<Vector256<float>, Vector256<int>>>.Bytes => ((_weights.Length + _bias.Length + _scales.Length) * 4L) + _pairBytes;

    readonly int IQuantDepthwiseMicroKernel<Avx2QuantDepthwise, RequantConstants<Vector256<float>, Vector256<int>>>.Lanes => Lanes;

    readonly int IQuantDepthwiseMicroKernel<Avx2QuantDepthwise, RequantConstants<Vector256<float>, Vector256<int>>>.InteriorGroup => _paired ? Group : 0;

    public static Avx2QuantDepthwise Create(QuantConvParameters p)
    {
        var k = new Avx2QuantDepthwise
        {
            _s = p.Shape,
            _weights = p.Weights,
            _bias = p.PaddedBias(p.Shape.OutC),
            _scales = p.PaddedScales(p.Shape.OutC),
            _zx = Vector256.Create(p.InputZeroPoint),
            _zy = Vector256.Create(p.OutputZeroPoint),
            _lo = Vector256.Create(p.Lo),
            _hi = Vector256.Create(p.Hi),
            _paired = QuantDepthwisePairs.Applies(p, Lanes),
            _tapOffsets = [],
            _pairWeights = [],
            _foldedBias = [],
            _pairScales = [],
        };
        if (k._paired)
        {
            var pairs = new QuantDepthwisePairs(p, Lanes);
            (k._tapPairs, k._tapOffsets, k._pairBytes) = (pairs.TapPairs, pairs.TapOffsets, pairs.Bytes);
            (k._pairWeights, k._foldedBias, k._pairScales) = (pairs.Weights, pairs.Bias, pairs.Scales);
        }

        return k;
    }

    public readonly RequantConstants<Vector256<float>, Vector256<int>> Constants => new(_lo, _hi, _zy);

    public readonly void BeginPixel(in ConvShape s, int ih0, int iw0)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Block(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch, int remaining)
    {
        var s = _s;
        var c = s.OutC;
        ref var w = ref _weights[0];
        var acc = Vector256.LoadUnsafe(ref _bias[0], (nuint)ch);
        for (var kh = rows.First; kh < rows.End; kh++)
        {
            var rowAt = ((rows.Origin + (kh * s.DilationH)) * s.InW * c) + ch;
            for (var kw = columns.First; kw < columns.End; kw++)
            {
                var at = rowAt + ((columns.Origin + (kw * s.DilationW)) * c);
                var xv = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref x, at))).AsByte()) - _zx;
                var wv = Vector256.LoadUnsafe(ref w, (nuint)((((kh * s.KW) + kw) * c) + ch));
                acc += Avx2.MultiplyLow(xv, wv);
            }
        }

        var v = Avx.Multiply(Avx.ConvertToVector256Single(acc), Vector256.LoadUnsafe(ref _scales[0], (nuint)ch));
        v = Avx.Min(Avx.Max(v, _lo), _hi);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref y, outAt + ch), Avx2QuantGemm.Narrow(Avx.ConvertToVector256Int32(v) + _zy));
        return Lanes;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Pair(ref byte x0, ref byte x1, ref byte y0, int g, int ch, RequantConstants<Vector256<float>, Vector256<int>> k) => Paired(ref x0, ref x1, ref y0, g, ch, k, true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void One(ref byte x0, ref byte y0, int g, int ch, RequantConstants<Vector256<float>, Vector256<int>> k) => Paired(ref x0, ref x0, ref y0, g, ch, k, false);

    /// <summary>Two pixels share each weight load; with <paramref name="second"/> false both are the first one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Paired(ref byte x0, ref byte x1, ref byte y0, int g, int ch, RequantConstants<Vector256<float>, Vector256<int>> k, bool second)
    {
        ref var offsets = ref _tapOffsets[0];
        var n = _tapPairs;
        ref var w = ref _pairWeights[g * n * Group];
        var bLo = Vector256.LoadUnsafe(ref _foldedBias[g * Group]);
        var bHi = Vector256.LoadUnsafe(ref _foldedBias[g * Group], Lanes);
        Vector256<int> p0Lo = bLo, p0Hi = bHi, p1Lo = bLo, p1Hi = bHi;
        for (var q = 0; q < n; q++)
        {
            var oa = Unsafe.Add(ref offsets, 2 * q) + ch;
            var ob = Unsafe.Add(ref offsets, (2 * q) + 1) + ch;
            var wLo = Vector256.LoadUnsafe(ref w).AsInt16();
            var wHi = Vector256.LoadUnsafe(ref w, Lanes).AsInt16();
            w = ref Unsafe.Add(ref w, Group);
            var xa = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x0, oa)));
            var xb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x0, ob)));
            p0Lo += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(xa, xb), wLo);
            p0Hi += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(xa, xb), wHi);
            xa = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x1, oa)));
            xb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref x1, ob)));
            p1Lo += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(xa, xb), wLo);
            p1Hi += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(xa, xb), wHi);
        }

        var (lo, hi, zy) = (k.Lo, k.Hi, k.ZeroPoint);
        var sLo = Vector256.LoadUnsafe(ref _pairScales[g * Group]);
        var sHi = Vector256.LoadUnsafe(ref _pairScales[g * Group], Lanes);
        Pack(RequantizeInt(p0Lo, sLo, lo, hi, zy), RequantizeInt(p0Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)ch);
        if (second)
        {
            Pack(RequantizeInt(p1Lo, sLo, lo, hi, zy), RequantizeInt(p1Hi, sHi, lo, hi, zy)).StoreUnsafe(ref y0, (nuint)(ch + _s.OutC));
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
