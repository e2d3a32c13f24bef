namespace EdgeMobileNet.Inference.Engines.OnnxRuntime;

/// <summary>The ONNX Runtime engine.</summary>
public sealed class OrtClassifier
{
    private OrtClassifier() { }

    /// <summary>True when ONNX Runtime's native library loads on this machine; otherwise why not.</summary>
    public static bool IsAvailable(out string? reason)
    {
        reason = "not implemented yet";
        return false;
    }

    public static IClassifier Load(string modelPath, ClassifierOptions options) =>
        throw new NotImplementedException($"{modelPath}: {options.Engine}");
}
