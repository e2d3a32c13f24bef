namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Everything a quantised convolution needs, in the reference layout: weights centred and packed
/// [kh][kw][cin/group][cout], int32 bias, one scale or one per output channel, and the output bounds.
/// </summary>
internal sealed record QuantConvParameters(
    ConvShape Shape,
    int[] Weights,
    int[] Bias,
    float[] Scales,
    int InputZeroPoint,
    int OutputZeroPoint,
    int Min,
    int Max)
{
    /// <summary>Float bounds of the requantised value before the zero point is added (see <see cref="Requantization"/>).</summary>
    public float Lo => Min - OutputZeroPoint;

    public float Hi => Max - OutputZeroPoint;

    /// <summary>Centred 8-bit weights span at most [-255, 255]; anything wider cannot use 16-bit multiplies.</summary>
    public bool WeightsFitInt16 => Array.TrueForAll(Weights, w => w is >= short.MinValue and <= short.MaxValue);

    /// <summary>Bias padded with zeros to <paramref name="length"/> channels.</summary>
    public int[] PaddedBias(int length)
    {
        var b = new int[length];
        Bias.AsSpan(0, Shape.OutC).CopyTo(b);
        return b;
    }

    /// <summary>Per-channel scales padded (with 1) to <paramref name="length"/> channels.</summary>
    public float[] PaddedScales(int length)
    {
        var s = new float[length];
        for (var c = 0; c < length; c++)
        {
            s[c] = c >= Shape.OutC ? 1f : Scales.Length == 1 ? Scales[0] : Scales[c];
        }

        return s;
    }
}
