using System.Text.Json.Serialization;

namespace EdgeMobileNet.Training;

/// <summary>The report written beside the model (`parts.onnx.json`) and summarised in its metadata.</summary>
public sealed record TrainingReport
{
    public required string Backbone { get; init; }

    public required string Method { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    public required IReadOnlyList<int> ImagesPerClass { get; init; }

    public required string Preprocessing { get; init; }

    public int Folds { get; init; }

    /// <summary>How the held-out folds were formed (near-identical groups kept in one fold).</summary>
    public required string FoldProtocol { get; init; }

    /// <summary>Accuracy of the float head on the held-out folds (every image predicted by a model that never saw
    /// it or its near-identical views).</summary>
    public double? HeldOutAccuracy { get; init; }

    /// <summary>The same with each fold's model written as int8 ONNX and run by the managed engine (null for a float
    /// backbone).</summary>
    public double? HeldOutAccuracyInt8 { get; init; }

    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>confusion[true][predicted], held-out folds, argmax decisions of the shipped model (int8 when the
    /// backbone is int8).</summary>
    public required int[][] Confusion { get; init; }

    public ThresholdReport? Threshold { get; init; }

    public float? Lambda { get; init; }

    public int Power { get; init; }

    public int Epochs { get; init; }

    public int Seed { get; init; }

    public double TrainingSeconds { get; init; }

    public double EmbeddingSeconds { get; init; }

    public int ImagesEmbedded { get; init; }

    public int ImagesFromCache { get; init; }

    public long PeakWorkingSetBytes { get; init; }

    /// <summary>The process's peak resident memory when the embedding stage ended: shows whether embedding (a cold
    /// cache) or training sets <see cref="PeakWorkingSetBytes"/>.</summary>
    public long EmbeddingPeakWorkingSetBytes { get; init; }

    /// <summary>The training views added per photo ("none", "mirror", "full").</summary>
    public string Augment { get; init; } = "none";

    /// <summary>The final model on the images not used for training (<c>--test-rest</c>), or null.</summary>
    public RestTestReport? RestTest { get; init; }

    /// <summary>Wall time of each stage of the run, in order.</summary>
    public IReadOnlyList<StageTime> Stages { get; init; } = [];
}

/// <summary>The shipped model on images it never saw (the rest of each class folder): accuracy of the float head
/// and of the int8 model, and the int8 model's confusion[true][predicted].</summary>
public sealed record RestTestReport(int Images, double Accuracy, double? AccuracyInt8, int[][] Confusion);

public sealed record StageTime(string Stage, double Seconds);

public sealed record ClassMetrics(string Name, int Support, double Precision, double Recall);

/// <summary>The operating point on the reject class's probability chosen from held-out predictions.</summary>
public sealed record ThresholdReport(
    string RejectClass,
    float Threshold,
    double MaxFalseReject,
    double? MaxMissed,
    double FalseRejectRate,
    double MissedRate,
    int FalseRejects,
    int Missed,
    bool WithinLimits);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TrainingReport))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(string))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
