using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Cli;

/// <summary>Labels and preprocessing stored in a model's metadata by the train verb (docs/training.md), read by
/// <see cref="ModelMetadata"/>, the same reader the station uses.</summary>
internal sealed partial class LabelSet
{
    /// <summary>The labels a trained model carries, or null when it carries none or their count is not the class
    /// count. Unreadable files are left to the engine, which reports them.</summary>
    public static LabelSet? FromModelMetadata(string modelPath, int classes) =>
        ModelMetadata.Read(modelPath).Labels is { } names && names.Length == classes ? new LabelSet(names) : null;

    /// <summary><paramref name="preprocess"/> with the resize the model was trained with (whole image or centre
    /// crop), when its metadata says.</summary>
    public static PreprocessOptions WithModelResize(string modelPath, PreprocessOptions preprocess) =>
        ModelMetadata.Read(modelPath).ResizeRatio is { } ratio ? preprocess with { ResizeRatio = ratio } : preprocess;
}
