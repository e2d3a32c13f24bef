using System.Text.Json.Serialization;
using EdgeMobileNet.Training;
using EdgeMobileNet.Web.Api;

namespace EdgeMobileNet.Web.Learn;

/// <summary>One image of the dataset folder (`class` null: in the inbox). Images put there by hand have no score.</summary>
internal sealed record CaptureDto(string Id, string? Class, string? Label, float? Score, string? Verdict, string? Reason, DateTimeOffset? Time, long? Number, string? ModelSha256, string Url);

/// <summary>`GET /api/captures`.</summary>
internal sealed record CapturesDto(int Total, int Offset, CaptureDto[] Items, CaptureStatsDto Stats);

internal sealed record CaptureStatsDto(string Dir, int Files, long Bytes, int MaxFiles, long MaxBytes, long Saved, long DroppedBusy, long DroppedFull, long Failed);

/// <summary>`GET /api/classes`: class folders and their image counts, and the inbox's.</summary>
internal sealed record ClassesDto(ClassCountDto[] Classes, int Inbox);

internal sealed record ClassCountDto(string Name, int Count);

/// <summary>Body of `POST /api/captures/label|unlabel|delete`.</summary>
internal sealed record BulkRequest(string[]? Ids, string? Class);

internal sealed record BulkDto(int Changed, string[] Problems);

/// <summary>Body of `POST /api/captures/now`.</summary>
internal sealed record CaptureNowRequest(string? Class);

/// <summary>`GET /api/training` and the live stream's `training` message.</summary>
internal sealed record TrainingStatusDto(
    string State, long Version, DateTimeOffset? Started, DateTimeOffset? Finished, string? Backbone, ProgressDto? Progress,
    string? Error, TrainedModelDto? Model, TrainingReport? Report, DeployDto? Deploy);

internal sealed record ProgressDto(string Stage, int Done, int Total, double RatePerSecond, double? EtaS, string Text);

internal sealed record TrainedModelDto(string File, string Sha256, long Bytes, string[] Labels);

/// <summary>Body of `POST /api/training/deploy` (`model` null: the model trained last).</summary>
internal sealed record DeployRequest(string? Model);

internal sealed record DeployDto(bool Swapped, string? Reason, string File, string Sha256, string[] Labels, double PauseMs, DateTimeOffset Time);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(CapturesDto))]
[JsonSerializable(typeof(ClassesDto))]
[JsonSerializable(typeof(BulkRequest))]
[JsonSerializable(typeof(BulkDto))]
[JsonSerializable(typeof(CaptureNowRequest))]
[JsonSerializable(typeof(TrainingStatusDto))]
[JsonSerializable(typeof(DeployRequest))]
[JsonSerializable(typeof(DeployDto))]
[JsonSerializable(typeof(ErrorDto))]
[JsonSerializable(typeof(OkDto))]
internal sealed partial class LearnJsonContext : JsonSerializerContext;
