using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Training;

/// <summary>Reads what the train verb stores in a model's metadata; the parsing is <see cref="ModelMetadata"/>'s,
/// shared with `classify` and the station.</summary>
public static class TrainedModel
{
    /// <summary>The class labels of a trained model, or null when the model carries none (any other model).</summary>
    public static string[]? ReadLabels(string modelPath)
    {
        var model = OnnxReader.Read(modelPath);
        return Labels(model);
    }

    public static string[]? Labels(OnnxModel model) => ModelMetadata.Labels(model);

    /// <summary>The resize ratio the model was trained with (1 = whole image resized to the input), or null.</summary>
    public static float? ReadResizeRatio(OnnxModel model) => ModelMetadata.ResizeRatio(model);
}
