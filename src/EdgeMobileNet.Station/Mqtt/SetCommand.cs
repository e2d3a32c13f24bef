using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// `cmd/set` with a JSON object changes the live settings: `threshold` (0..1), `outputs` (true/false), `paused`
/// (true/false) and, with Trigger:Kind continuous, `rate` (0 or 0.01..1000 per second). All fields are checked
/// before any is applied: one refused field (unknown, wrong type, out of range) is answered on `error` naming it and
/// nothing changes. Accepted settings are saved (<see cref="LiveSettingsFile"/>) and echoed, retained, on
/// `config/state`, which is also published on every connect. Refused as a whole unless Mqtt:Commands is true.
/// </summary>
internal sealed partial class SetCommand : IMqttCommand, IMqttConnectHook
{
    public const string Name = "cmd/set";
    private readonly StationTopics _topics;
    private readonly LiveSettings _live;
    private readonly LiveSettingsFile _file;
    private readonly CommandErrors _errors;
    private readonly MqttNotices _notices;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _enabled;
    private readonly TriggerKind _trigger;

    public SetCommand(
        StationTopics topics, LiveSettings live, LiveSettingsFile file, CommandErrors errors, MqttNotices notices,
        IOptions<MqttOptions> mqtt, IOptions<TriggerOptions> trigger, TimeProvider time, ILogger<SetCommand> logger)
    {
        _topics = topics;
        _live = live;
        _file = file;
        _errors = errors;
        _notices = notices;
        _time = time;
        _logger = logger;
        _enabled = mqtt.Value.Commands;
        _trigger = trigger.Value.Kind;
        live.Changed += _ => PostState();
    }

    public IEnumerable<string> Filters => [_topics.SetCommand];

    public bool Matches(string topic) => topic == _topics.SetCommand;

    public void Connected(MqttNotices notices) => PostState();

    public Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!_enabled)
        {
            Refuse(null, "commands are off (set Mqtt:Commands to true to accept cmd/set)");
            return Task.CompletedTask;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            Refuse(null, $"not valid JSON: {e.Message}");
            return Task.CompletedTask;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                Refuse(null, "expected a JSON object such as {\"threshold\":0.7}");
                return Task.CompletedTask;
            }

            var next = _live.Current;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var (value, problem) = Parse(p, next);
                if (problem is not null)
                {
                    Refuse(p.Name, problem);
                    return Task.CompletedTask; // nothing applied
                }

                next = value!;
            }

            if (next != _live.Current)
            {
                try
                {
                    _file.Save(next);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Refuse(null, $"the settings could not be saved to {_file.Path} ({e.Message}); nothing changed");
                    return Task.CompletedTask;
                }

                LogApplied(_logger, payload.Length == 0 ? "" : doc.RootElement.GetRawText(), _file.Path);
                _live.Apply(next); // echoes config/state
            }
            else
            {
                PostState(); // nothing changed: echo anyway, so the sender sees what is in force
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The retained `config/state`: the live settings in force.</summary>
    public byte[] StatePayload()
    {
        var v = _live.Current;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("threshold", v.Threshold);
            w.WriteBoolean("outputs", v.Outputs);
            w.WriteBoolean("paused", v.Paused);
            w.WriteNumber("rate", v.Rate);
            w.WriteString("trigger", _trigger.ToString().ToLowerInvariant());
            w.WriteBoolean("commands", _enabled);
            w.WriteString("ts", _time.GetUtcNow());
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private (LiveValues? Value, string? Problem) Parse(JsonProperty p, LiveValues v)
    {
        switch (p.Name)
        {
            case "threshold":
                return Number(p.Value, 0, 1, zeroAllowed: false) is { } t ? (v with { Threshold = t }, null) : (null, Expected("a number 0..1", p.Value));
            case "rate":
                if (_trigger != TriggerKind.Continuous)
                {
                    return (null, $"applies only to Trigger:Kind continuous (this station's is {_trigger.ToString().ToLowerInvariant()})");
                }

                return Number(p.Value, 0.01, 1000, zeroAllowed: true) is { } r ? (v with { Rate = r }, null) : (null, Expected("0 (every frame) or a number 0.01..1000", p.Value));
            case "outputs":
                return Bool(p.Value) is { } o ? (v with { Outputs = o }, null) : (null, Expected("true or false", p.Value));
            case "paused":
                return Bool(p.Value) is { } b ? (v with { Paused = b }, null) : (null, Expected("true or false", p.Value));
            default:
                return (null, "unknown field (known: threshold, outputs, paused, rate)");
        }
    }

    private static double? Number(JsonElement e, double min, double max, bool zeroAllowed) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && ((d >= min && d <= max) || (zeroAllowed && d == 0)) ? d : null;

    private static bool? Bool(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static string Expected(string what, JsonElement got) =>
        string.Create(CultureInfo.InvariantCulture, $"expected {what}, got {got.GetRawText()}");

    private void Refuse(string? field, string reason)
    {
        LogRefused(_logger, field ?? "(message)", reason);
        _errors.Refuse(Name, field, reason);
    }

    private void PostState() => _notices.PostLatest(_topics.ConfigState, StatePayload());

    [LoggerMessage(Level = LogLevel.Information, Message = "cmd/set {Json} applied and saved to {File}")]
    private static partial void LogApplied(ILogger logger, string json, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cmd/set refused: {Field}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string field, string reason);
}
