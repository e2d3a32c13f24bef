using System.Text.Json.Serialization;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Web.Feed;

namespace EdgeMobileNet.Web.Api;

/// <summary>`GET /api/state` and the live stream's `state` message (docs/web.md).</summary>
internal sealed record StateDto(
    string Station,
    string Run,
    DateTimeOffset Ts,
    double UptimeS,
    HealthDto Health,
    CountersDto Counters,
    LatencyDto Latency,
    MqttDto Mqtt,
    ModelDto Model,
    TriggerDto Trigger,
    GpioDto Gpio,
    long LastResult);

internal sealed record HealthDto(string State, string[] Reasons);

internal sealed record CountersDto(long Frames, long Classified, long Dropped, long Triggers, long EventsDropped, VerdictCountsDto Verdicts);

internal sealed record VerdictCountsDto(long Pass, long Reject, long Unknown);

/// <summary>Histograms of the recent results: counts per bucket, bucket i holding values ≤ bounds[i] (the last,
/// everything above the last bound).</summary>
internal sealed record LatencyDto(double[] BoundsMs, long[] Total, long[] Inference, long[] Preprocess, double? TotalP50Ms, double? TotalP99Ms);

internal sealed record MqttDto(bool Enabled, bool Connected, string Broker, long Outbox, long EventsDropped, long OutboxBytes, double OutboxOldestSeconds);

internal sealed record ModelDto(string Name, string Sha256, string Engine, int InputWidth, int InputHeight, string[] Labels);

internal sealed record TriggerDto(string Kind, int? Pin, string? Edge);

internal sealed record GpioDto(string Driver, bool Simulated, PinDto[] Pins);

/// <summary>One pin the station uses. `level` is the electrical level (0/1); `active` says whether that is the
/// pin's active level; `last_change` is null while the pin has not changed since start.</summary>
internal sealed record PinDto(int Pin, string Role, string Detail, int Level, bool Active, DateTimeOffset? LastChange);

/// <summary>`GET /api/events` (and one `result` message of the live stream).</summary>
internal sealed record EventsDto(string Run, long Last, ResultSnapshot[] Events);

/// <summary>A kept frame's metadata: the live stream's `frame` message.</summary>
internal sealed record FrameDto(long Number, int Width, int Height, Region Roi, string Url);

/// <summary>`GET /healthz`.</summary>
internal sealed record HealthzDto(string Status, string[] Reasons, string Station, string Run);

internal sealed record PulseRequest(int Pin, int Ms);

internal sealed record ErrorDto(string Error);

internal sealed record OkDto(string Ok);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(StateDto))]
[JsonSerializable(typeof(EventsDto))]
[JsonSerializable(typeof(ResultSnapshot))]
[JsonSerializable(typeof(FrameDto))]
[JsonSerializable(typeof(HealthzDto))]
[JsonSerializable(typeof(PulseRequest))]
[JsonSerializable(typeof(ErrorDto))]
[JsonSerializable(typeof(OkDto))]
internal sealed partial class WebJsonContext : JsonSerializerContext;
