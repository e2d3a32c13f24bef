using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// Depthwise integer convolution (any kernel size, stride, padding, dilation) with NEON. NHWC keeps channels
/// innermost, so a tap is 16 channels: bytes widened and centred to int16 (uxtl, sub), multiplied by the tap's int16
/// weights with smlal/smlal2 (exact int16 x int16 -> int32) into four accumulators held across the window, then
/// requantised. A ragged channel end is one more block ending at the last channel (recomputed identically); layers of
/// 8 to 15 channels use 8-channel blocks, narrower ones the reference arithmetic. SDOT adds nothing here (one input
/// value per weight), so the sdot kernels use this one too.
/// </summary>
internal sealed unsafe class NeonQuantDepthwise : IQuantConvKernel
{
    // One int16 copy per reference weight array: the planner prepares a layer once per row window (strips, threads).
    private static readonly ConditionalWeakTable<int[], short[]> Narrowed = [];

    private readonly ConvShape _s;
    private readonly short[] _weights;
    private readonly int[]? _referenceWeights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly int _inputZeroPoint;
    private readonly int _outputZeroPoint;
    private readonly int _min;
    private readonly int _max;
    private readonly NeonRequantization _requantize;

    public NeonQuantDepthwise(QuantConvParameters p)
    {
        if (!CanRun(p))
        {
            throw new ArgumentException("the NEON depthwise kernel needs a depthwise convolution with weights within int16", nameof(p));
        }

        _s = p.Shape;
        // Layers under 8 channels run the reference arithmetic on the reference weights; wider ones only need int16.
        _referenceWeights = p.Shape.OutC < 8 ? p.Weights : null;
        _weights = Narrowed.GetValue(p.Weights, w => Array.ConvertAll(w, v => (short)v));
        _bias = p.PaddedBias(p.Shape.OutC);
        _scales = p.PaddedScales(p.Shape.OutC);
        _inputZeroPoint = p.InputZeroPoint;
        _outputZeroPoint = p.OutputZeroPoint;
        _min = p.Min;
        _max = p.Max;
        _requantize = new NeonRequantization(p);
    }

    public long PackedBytes => (_weights.Length * 2L) + ((_bias.Length + _scales.Length + (_referenceWeights?.Length ?? 0)) * 4L);

    /// <summary>Depthwise with centred weights within int16 (8-bit weights minus a zero point always are).</summary>
    public static bool CanRun(QuantConvParameters p) => p.Shape.IsDepthwise && p.WeightsFitInt16;

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var s = _s;
        if (input.Length < s.InputLength || output.Length < s.OutputLength)
        {
            throw new ArgumentException("input or output shorter than the convolution shape");
        }

        var c = s.OutC;
        for (var oh = 0; oh < s.OutH; oh++)
        {
            var rows = s.RowTaps(oh);
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var columns = s.ColumnTaps(ow);
                var outAt = ((oh * s.OutW) + ow) * c;
                if (c >= 16)
                {
                    for (var c0 = 0; c0 < c; c0 += 16)
                    {
                        Sixteen(input, output, rows, columns, outAt, Math.Min(c0, c - 16));
                    }
                }
                else if (c >= 8)
                {
                    Eight(input, output, rows, columns, outAt, 0);
                    Eight(input, output, rows, columns, outAt, c - 8);
                }
                else
                {
                    Narrow(input, output, rows, columns, outAt);
                }
            }
        }
    }

    /// <summary>
    /// 16 channels of one output pixel. The tap loop steps two pointers by the tap strides (no index arithmetic per
    /// tap), centres the bytes with usubl (x - zp widened in one instruction, exact in int16) and loads the lower
    /// halves of the weights as 64-bit vectors, so that no GetLower() copy is needed for them.
    /// </summary>
    private void Sixteen(ReadOnlySpan<byte> input, Span<byte> output, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch)
    {
        var s = _s;
        var c = s.OutC;
        var zx = Vector64.Create((byte)_inputZeroPoint);
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        var taps = columns.End - columns.First;
        var xStep = s.DilationW * c;
        var wStep = c;
        fixed (byte* px = input)
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

        _requantize.Sixteen(a0, a1, a2, a3, ref _bias[0], ref _scales[0], ch).StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)(outAt + ch));
    }

    private void Eight(ReadOnlySpan<byte> input, Span<byte> output, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch)
    {
        var s = _s;
        var c = s.OutC;
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var w = ref _weights[0];
        var zx = Vector128.Create((short)_inputZeroPoint);
        Vector128<int> a0 = default, a1 = default;
        for (var kh = rows.First; kh < rows.End; kh++)
        {
            var rowAt = ((rows.Origin + (kh * s.DilationH)) * s.InW * c) + ch;
            var tapAt = (kh * s.KW * c) + ch;
            for (var kw = columns.First; kw < columns.End; kw++)
            {
                var xb = Vector64.LoadUnsafe(ref x, (nuint)(rowAt + ((columns.Origin + (kw * s.DilationW)) * c)));
                var xv = AdvSimd.ZeroExtendWideningLower(xb).AsInt16() - zx;
                var wv = Vector128.LoadUnsafe(ref w, (nuint)(tapAt + (kw * c)));
                a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, xv.GetLower(), wv.GetLower());
                a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, xv, wv);
            }
        }

        _requantize.Eight(a0, a1, ref _bias[0], ref _scales[0], ch).StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)(outAt + ch));
    }

    /// <summary>Fewer than 8 channels: the reference's arithmetic per channel.</summary>
    private void Narrow(ReadOnlySpan<byte> input, Span<byte> output, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt)
    {
        var s = _s;
        var c = s.OutC;
        var weights = _referenceWeights!;
        for (var ch = 0; ch < c; ch++)
        {
            var acc = _bias[ch];
            for (var kh = rows.First; kh < rows.End; kh++)
            {
                for (var kw = columns.First; kw < columns.End; kw++)
                {
                    var at = ((((rows.Origin + (kh * s.DilationH)) * s.InW) + columns.Origin + (kw * s.DilationW)) * c) + ch;
                    acc += (input[at] - _inputZeroPoint) * weights[(((kh * s.KW) + kw) * c) + ch];
                }
            }

            output[outAt + ch] = Requantization.Requantize(acc, _scales[ch], _outputZeroPoint, _min, _max);
        }
    }
}
