namespace EdgeMobileNet.ModelBuilder.Reference;

/// <summary>Observed min/max of one value over the calibration set (the static quantizer's MinMax calibration).</summary>
public readonly record struct ValueRange(float Min, float Max)
{
    public static ValueRange Of(IEnumerable<float[]> tensors)
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var t in tensors)
        {
            foreach (var v in t)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        return new ValueRange(min, max);
    }
}
