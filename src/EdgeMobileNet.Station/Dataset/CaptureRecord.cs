using System.Text.Json.Serialization;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>The JSON sidecar beside a captured JPEG (`&lt;id&gt;.json`): what the station saw and why it kept the
/// frame. <see cref="Reason"/> is `unknown`, `low-score`, `every-n`, `mqtt` or `web`.</summary>
public sealed record CaptureRecord(
    string Id,
    DateTimeOffset Time,
    string Station,
    string Run,
    long Number,
    string? EventId,
    long FrameSequence,
    string Trigger,
    string Reason,
    string Label,
    float Score,
    string Verdict,
    IReadOnlyList<ClassScore> Top,
    string ModelSha256,
    int Width,
    int Height);

/// <summary>One image of the dataset folder: its sidecar (null for an image put there by hand), its class (null while
/// in the inbox) and its size on disk (image and sidecar).</summary>
public sealed record CaptureEntry(string Id, string? Class, CaptureRecord? Record, long Bytes, string Extension)
{
    /// <summary>Sort key for "worth labelling first": low scores first, images without a score last.</summary>
    public float SortScore => Record?.Score ?? float.MaxValue;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(CaptureRecord))]
internal sealed partial class DatasetJsonContext : JsonSerializerContext;
