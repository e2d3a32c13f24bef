using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// The NEON depthwise micro-kernel (<see cref="QuantDepthwise{M, TConstants}"/>), every pixel by blocks of 16 channels
/// (8 for layers of 8 to 15 channels): each in-image tap's bytes widened and centred to int16 in one instruction per 8
/// (usubl), multiplied by the tap's int16 weights with smlal/smlal2 (exact int16 x int16 -> int32) into accumulators
/// held across the window, then requantised. The tap loops step two pinned pointers (no index arithmetic per tap) and
/// load the lower halves of the weights as 64-bit vectors, so that no GetLower() copy is needed for them. SDOT adds
/// nothing here (one input value per weight), so the sdot kernels use this one too.
/// </summary>
internal unsafe struct NeonQuantDepthwise : IQuantDepthwiseMicroKernel<NeonQuantDepthwise, NeonRequantization>
{
    // One int16 copy per reference weight array: the planner prepares a layer once per row window (strips, threads).
    private static readonly ConditionalWeakTable<int[], short[]> Narrowed = [];

    private ConvShape _s;
    private short[] _weights;
    private int[] _bias;
    private float[] _scales;
    private Vector64<byte> _zx;
    private NeonRequantization _requantize;

    readonly long IQuantDepthwiseMicroKernel<NeonQuantDepthwise, NeonRequantization>.Bytes => (_weights.Length * 2L) + ((_bias.Length + _scales.Length) * 4L);

    readonly int IQuantDepthwiseMicroKernel<NeonQuantDepthwise, NeonRequantization>.Lanes => _s.OutC >= 16 ? 16 : 8;

    readonly int IQuantDepthwiseMicroKernel<NeonQuantDepthwise, NeonRequantization>.InteriorGroup => 0;

    /// <summary>Depthwise with centred weights within int16 (8-bit weights minus a zero point always are).</summary>
    public static bool CanRun(QuantConvParameters p) => p.Shape.IsDepthwise && p.WeightsFitInt16;

    public static NeonQuantDepthwise Create(QuantConvParameters p)
    {
        if (!CanRun(p))
        {
            throw new ArgumentException("the NEON depthwise kernel needs a depthwise convolution with weights within int16", nameof(p));
        }

        // Layers under 8 channels run the driver's reference arithmetic on the reference weights.
        var narrow = p.Shape.OutC < 8;
        return new NeonQuantDepthwise
        {
            _s = p.Shape,
            _weights = narrow ? [] : Narrowed.GetValue(p.Weights, w => Array.ConvertAll(w, v => (short)v)),
            _bias = narrow ? [] : p.PaddedBias(p.Shape.OutC),
            _scales = narrow ? [] : p.PaddedScales(p.Shape.OutC),
            _zx = Vector64.Create((byte)p.InputZeroPoint),
            _requantize = new NeonRequantization(p),
        };
    }

    public readonly NeonRequantization Constants => _requantize;

    public readonly void BeginPixel(in ConvShape s, int ih0, int iw0)
    {
    }

    public readonly int Block(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch, int remaining)
    {
        if (remaining >= 16)
        {
            Sixteen(ref x, ref y, rows, columns, outAt, ch);
            return 16;
        }

        Eight(ref x, ref y, rows, columns, outAt, ch);
        return 8;
    }

    public readonly void Pair(ref byte x0, ref byte x1, ref byte y0, int g, int ch, NeonRequantization k) => throw new NotSupportedException();

    public readonly void One(ref byte x0, ref byte y0, int g, int ch, NeonRequantization k) => throw new NotSupportedException();

    /// <summary>16 channels of one output pixel: two usubl, four smlal/smlal2 per tap into four accumulators.</summary>
    private readonly void Sixteen(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch)
    {
        var s = _s;
        var c = s.OutC;
        var zx = _zx;
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        var taps = columns.End - columns.First;
        var xStep = s.DilationW * c;
        var wStep = c;
        fixed (byte* px = &x)
        fixed (short* pw = _weights)
        {
            for (var kh = rows.First; kh < rows.End; kh++)
            {
                var xp = px + ((((((rows.Origin + (kh * s.DilationH)) * s.InW) + columns.Origin + (columns.First * s.DilationW)) * c) + ch));
                var wp = pw + ((((kh * s.KW) + columns.First) * c) + ch);
                for (var i = taps; i > 0; i--)
                {
                    var lo = AdvSimd.SubtractWideningLower(Vector64.Load(xp), zx).AsInt16();
                    var hi = AdvSimd.SubtractWideningLower(Vector64.Load(xp + 8), zx).AsInt16();
                    a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, lo, Vector128.Load(wp));
                    a3 = AdvSimd.MultiplyWideningUpperAndAdd(a3, hi, Vector128.Load(wp + 8));
                    a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, lo.GetLower(), Vector64.Load(wp));
                    a2 = AdvSimd.MultiplyWideningLowerAndAdd(a2, hi.GetLower(), Vector64.Load(wp + 8));
                    xp += xStep;
                    wp += wStep;
                }
            }
        }

        _requantize.Sixteen(a0, a1, a2, a3, ref _bias[0], ref _scales[0], ch).StoreUnsafe(ref y, (nuint)(outAt + ch));
    }

    /// <summary>8 channels of one output pixel (layers of 8-15 channels): one usubl, smlal/smlal2 per tap.</summary>
    private readonly void Eight(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch)
    {
        var s = _s;
        var c = s.OutC;
        var zx = _zx;
        Vector128<int> a0 = default, a1 = default;
        var taps = columns.End - columns.First;
        var xStep = s.DilationW * c;
        var wStep = c;
        fixed (byte* px = &x)
        fixed (short* pw = _weights)
        {
            for (var kh = rows.First; kh < rows.End; kh++)
            {
                var xp = px + ((((((rows.Origin + (kh * s.DilationH)) * s.InW) + columns.Origin + (columns.First * s.DilationW)) * c) + ch));
                var wp = pw + ((((kh * s.KW) + columns.First) * c) + ch);
                for (var i = taps; i > 0; i--)
                {
                    var v = AdvSimd.SubtractWideningLower(Vector64.Load(xp), zx).AsInt16();
                    a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, v, Vector128.Load(wp));
                    a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, v.GetLower(), Vector64.Load(wp));
                    xp += xStep;
                    wp += wStep;
                }
            }
        }

        _requantize.Eight(a0, a1, ref _bias[0], ref _scales[0], ch).StoreUnsafe(ref y, (nuint)(outAt + ch));
    }
}
