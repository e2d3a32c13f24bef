using EdgeMobileNet.Onnx;
using EdgeMobileNet.Training;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Cli;

/// <summary>Labels and preprocessing stored in a model's metadata by the train verb (docs/training.md).</summary>
internal sealed partial class LabelSet
{
    /// <summary>The labels a trained model carries, or null when it carries none or their count is not the class
    /// count. Unreadable files are left to the engine, which reports them.</summary>
    public static LabelSet? FromModelMetadata(string modelPath, int classes)
    {
        try
        {
            return TrainedModel.ReadLabels(modelPath) is { } names && names.Length == classes ? new LabelSet(names) : null;
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary><paramref name="preprocess"/> with the resize the model was trained with (whole image or centre
    /// crop), when its metadata says.</summary>
    public static PreprocessOptions WithModelResize(string modelPath, PreprocessOptions preprocess)
    {
        try
        {
            return TrainedModel.ReadResizeRatio(OnnxReader.Read(modelPath)) is { } ratio && ratio is >= 1f and <= 8f
                ? preprocess with { ResizeRatio = ratio }
                : preprocess;
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return preprocess;
        }
    }
}
