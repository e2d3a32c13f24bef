using System.Text.Json.Serialization;

namespace EdgeMobileNet.Cli;

// The --json documents. Records rather than anonymous objects so the source generator can serialise them without
// reflection (the worker is trimmed). Floats are written in their shortest round-trip form by System.Text.Json.

internal sealed record ClassifyReport(string Model, string Engine, int Threads, IReadOnlyList<ClassifyResult> Results);

internal sealed record ClassifyResult(string Input, IReadOnlyList<ClassScore> Top, double Ms, float[]? Logits);

internal sealed record ClassScore(int Index, string Label, float Score);

internal sealed record BenchReport(string Model, IReadOnlyList<BenchResult> Results);

internal sealed record BenchResult(
    string Engine,
    int Threads,
    int Iterations,
    [property: JsonPropertyName("median_ms")] double MedianMs,
    [property: JsonPropertyName("p90_ms")] double P90Ms,
    [property: JsonPropertyName("min_ms")] double MinMs,
    [property: JsonPropertyName("alloc_bytes_per_run")] double AllocBytesPerRun,
    [property: JsonPropertyName("peak_activation_bytes")] long? PeakActivationBytes,
    [property: JsonPropertyName("weights_bytes")] long? WeightsBytes,
    [property: JsonPropertyName("ratio_to_first")] double? RatioToFirst)
{
    /// <summary>The managed engine's arena without row strips (null for engines that do not plan one).</summary>
    [JsonPropertyName("naive_activation_bytes")]
    public long? NaiveActivationBytes { get; init; }
}

internal sealed record ProbeReport(
    string Os,
    string OsArchitecture,
    string ProcessArchitecture,
    int ProcessorCount,
    string? CpuModel,
    string? BoardModel,
    string Runtime,
    IReadOnlyDictionary<string, bool> Simd,
    IReadOnlyDictionary<string, int> VectorBits,
    OrtProbe OnnxRuntime,
    IReadOnlyList<EdgeMobileNet.Capture.Probe.VideoDeviceReport> VideoDevices,
    IReadOnlyList<GpioChipProbe> Gpiochips);

internal sealed record OrtProbe(bool Available, string? Version, IReadOnlyList<string> Providers, string? Reason);

internal sealed record GpioChipProbe(string Device, string? Label, int? Lines);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClassifyReport))]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(ProbeReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
