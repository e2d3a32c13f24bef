namespace EdgeMobileNet.Inference.Engines.Managed;

/// <summary>The managed engine: our ONNX reader, planner and kernels.</summary>
public sealed class ManagedClassifier
{
    private ManagedClassifier() { }

    public static IClassifier Load(string modelPath, ClassifierOptions options) =>
        throw new NotImplementedException($"{modelPath}: {options.Engine}");
}
