using System.Text.Json;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Inference;

/// <summary>
/// What a model says about itself in its ONNX <c>metadata_props</c>, as the `train` verb writes it
/// (docs/training.md): <c>edgemobilenet.labels</c>, a JSON array of class names in output order, and
/// <c>edgemobilenet.preprocessing</c>, a JSON object whose <c>resize_ratio</c> is the resize the model was trained
/// with (1 = the whole image resized to the input). The one reader for `classify`, `run` and a model deployment.
/// </summary>
public static class ModelMetadata
{
    public const string LabelsKey = "edgemobilenet.labels";
    public const string PreprocessingKey = "edgemobilenet.preprocessing";

    /// <summary>The labels and resize ratio of the model file at <paramref name="path"/>; both null for a model
    /// that carries none, or a file this reader cannot parse (the engine reports unreadable files itself).</summary>
    public static ModelDescription Read(string path)
    {
        OnnxModel model;
        try
        {
            model = OnnxReader.Read(path);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return ModelDescription.None;
        }

        return new ModelDescription(Labels(model), ResizeRatio(model));
    }

    /// <summary>The class labels a model carries, or null (none, or not a JSON array of strings).</summary>
    public static string[]? Labels(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Find(model, LabelsKey) is not { } value)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(value);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var names = new List<string>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    return null;
                }

                names.Add(item.GetString()!);
            }

            return [.. names];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The resize ratio the model was trained with, when its metadata gives one in 1..8; else null.</summary>
    public static float? ResizeRatio(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Find(model, PreprocessingKey) is not { } value)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(value);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("resize_ratio", out var r)
                && r.ValueKind == JsonValueKind.Number
                && r.GetSingle() is var ratio and >= 1f and <= 8f
                ? ratio
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Find(OnnxModel model, string key)
    {
        foreach (var (k, v) in model.Metadata)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }
}

/// <summary>What a model's metadata says about it.</summary>
/// <param name="Labels">Class names in output order, or null.</param>
/// <param name="ResizeRatio">The resize it was trained with, or null.</param>
public sealed record ModelDescription(string[]? Labels, float? ResizeRatio)
{
    public static ModelDescription None { get; } = new(null, null);
}
