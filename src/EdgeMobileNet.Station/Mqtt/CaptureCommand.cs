using System.Text;
using System.Text.Json;
using EdgeMobileNet.Station.Dataset;
using EdgeMobileNet.Station.Sinks;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// `cmd/capture` saves the next classified frame to the dataset folder: an empty payload puts it in the inbox (to
/// label later), a class name (plain text, or JSON `{"class": "scratch"}`) files it in that class at once. A bad
/// class name is refused on the `error` topic.
/// </summary>
internal sealed partial class CaptureCommand(StationTopics topics, CaptureSink sink, CommandErrors errors, ILogger<CaptureCommand> logger) : IMqttCommand
{
    public IEnumerable<string> Filters => [topics.CaptureCommand];

    public bool Matches(string topic) => topic == topics.CaptureCommand;

    public Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(payload.Span).Trim();
        string? cls = text.Length == 0 ? null : text;
        if (text.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                cls = doc.RootElement.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                if (doc.RootElement.TryGetProperty("class", out var c2) && c2.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    Refuse("class", "must be a string or null");
                    return Task.CompletedTask;
                }
            }
            catch (JsonException ex)
            {
                Refuse(null, $"payload is not JSON: {ex.Message}");
                return Task.CompletedTask;
            }
        }

        if (cls is not null && DatasetStore.ClassNameProblem(cls) is { } problem)
        {
            Refuse("class", problem);
            return Task.CompletedTask;
        }

        sink.Request("mqtt", cls);
        LogRequested(logger, cls ?? "the inbox");
        return Task.CompletedTask;
    }

    private void Refuse(string? field, string reason)
    {
        LogRefused(logger, reason);
        errors.Refuse("cmd/capture", field, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "cmd/capture: the next frame goes to {Where}")]
    private static partial void LogRequested(ILogger logger, string where);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cmd/capture refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
