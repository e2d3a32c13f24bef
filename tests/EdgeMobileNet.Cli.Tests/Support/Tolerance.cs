using EdgeMobileNet.Inference.Engines.OnnxRuntime;

namespace EdgeMobileNet.Cli.Tests.Support;

/// <summary>
/// How close our logits must be to the stored ONNX Runtime reference. Float: 1e-4 of the largest |logit|. Int8: two
/// steps of the output quantiser, whose scale is read from the model's final DequantizeLinear (int8 results may
/// differ by a step between CPUs with and without VNNI).
/// </summary>
public static class Tolerance
{
    public static double For(string tag, string modelPath, ReadOnlySpan<float> reference)
    {
        if (Models.IsFloat(tag))
        {
            var max = 0f;
            foreach (var v in reference)
            {
                max = MathF.Max(max, MathF.Abs(v));
            }

            return 1e-4 * max;
        }

        var scan = OnnxGraphScan.Read(modelPath);
        var step = scan.OutputQuantisationStep(scan.Outputs[0])
            ?? throw new InvalidOperationException($"{modelPath}: no scalar DequantizeLinear scale before the output");
        return 2 * step;
    }

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}");
        }

        double worst = 0;
        for (var i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        }

        return worst;
    }
}
