using EdgeMobileNet.ModelBuilder.Reference;

namespace EdgeMobileNet.ModelBuilder.Export;

/// <summary>
/// Per-tensor affine quantization of an activation, derived from a calibrated range the way ONNX Runtime's static
/// quantizer does with MinMax calibration: the range is widened to include 0 so that 0 is exactly representable.
/// </summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint, bool Unsigned)
{
    public int QMin => Unsigned ? 0 : -128;

    public int QMax => Unsigned ? 255 : 127;

    public static QuantParams FromRange(ValueRange range, bool unsigned)
    {
        var (qmin, qmax) = unsigned ? (0, 255) : (-128, 127);
        var rmin = Math.Min(range.Min, 0f);
        var rmax = Math.Max(range.Max, 0f);
        var scale = (rmax - rmin) / (qmax - qmin);
        if (!(scale > 1e-12f))
        {
            return new QuantParams(1f, unsigned ? 0 : 0, unsigned);
        }

        var zeroPoint = (int)Math.Round(qmin - (rmin / scale), MidpointRounding.ToEven);
        return new QuantParams(scale, Math.Clamp(zeroPoint, qmin, qmax), unsigned);
    }
}
