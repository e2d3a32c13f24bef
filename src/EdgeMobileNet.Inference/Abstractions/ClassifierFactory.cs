using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Inference.Engines.OnnxRuntime;

namespace EdgeMobileNet.Inference;

/// <summary>Creates a classifier for a model file with the engine the options name.</summary>
public static class ClassifierFactory
{
    public static readonly IReadOnlyList<string> Engines = ["ort", "managed", "auto"];

    public static IClassifier Create(string modelPath, ClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 1)
        {
            throw new EdgeMobileNetException($"--threads must be at least 1, got {options.Threads}");
        }

        return options.Engine switch
        {
            "ort" => OrtClassifier.Load(modelPath, options),
            "managed" => ManagedClassifier.Load(modelPath, options),
            "auto" => OrtClassifier.IsAvailable(out _)
                ? OrtClassifier.Load(modelPath, options)
                : ManagedClassifier.Load(modelPath, options),
            _ => throw new EdgeMobileNetException($"unknown engine '{options.Engine}' (expected one of: {string.Join(", ", Engines)})"),
        };
    }
}
