using System.Text.Json;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Training;

/// <summary>Reads what the train verb stores in a model's metadata (for `classify`, `run` and the station).</summary>
public static class TrainedModel
{
    /// <summary>The class labels of a trained model, or null when the model carries none (any other model).</summary>
    public static string[]? ReadLabels(string modelPath)
    {
        var model = OnnxReader.Read(modelPath);
        return Labels(model);
    }

    public static string[]? Labels(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (key, value) in model.Metadata)
        {
            if (key == TrainingPipeline.LabelsKey)
            {
                try
                {
                    return JsonSerializer.Deserialize(value, TrainingJsonContext.Default.StringArray);
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>The resize ratio the model was trained with (1 = whole image resized to the input), or null.</summary>
    public static float? ReadResizeRatio(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (key, value) in model.Metadata)
        {
            if (key == TrainingPipeline.PreprocessingKey)
            {
                using var doc = JsonDocument.Parse(value);
                return doc.RootElement.TryGetProperty("resize_ratio", out var r) ? r.GetSingle() : null;
            }
        }

        return null;
    }
}
