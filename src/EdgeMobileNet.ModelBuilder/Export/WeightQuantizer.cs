namespace EdgeMobileNet.ModelBuilder.Export;

/// <summary>Symmetric per-output-channel int8 weights (zero point 0) and int32 biases at scale x_scale·w_scale.</summary>
public static class WeightQuantizer
{
    public static (sbyte[] Values, float[] Scales) PerChannel(float[] weights, int channels)
    {
        var per = weights.Length / channels;
        var q = new sbyte[weights.Length];
        var scales = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            var span = weights.AsSpan(c * per, per);
            var maxAbs = 0f;
            foreach (var w in span)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(w));
            }

            var scale = maxAbs > 0 ? maxAbs / 127f : 1f;
            scales[c] = scale;
            for (var j = 0; j < per; j++)
            {
                q[c * per + j] = (sbyte)Math.Clamp(Math.Round(span[j] / scale, MidpointRounding.ToEven), -127, 127);
            }
        }

        return (q, scales);
    }

    public static (int[] Values, float[] Scales) Bias(float[] bias, float inputScale, float[] weightScales)
    {
        var q = new int[bias.Length];
        var scales = new float[bias.Length];
        for (var c = 0; c < bias.Length; c++)
        {
            scales[c] = inputScale * weightScales[c];
            q[c] = (int)Math.Clamp(Math.Round(bias[c] / scales[c], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }

        return (q, scales);
    }
}
