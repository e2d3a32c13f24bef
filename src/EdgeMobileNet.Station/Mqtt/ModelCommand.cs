using System.Text.Json;
using EdgeMobileNet.Station.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// `cmd/model` deploys a model without a restart: `{"url": "https://…", "sha256": "…"}` or `{"path": "/…"}` (a
/// `sha256` is checked with a path too). The deployment runs in the background (the broker connection keeps
/// working); the retained `model/state` answers after every attempt, from any origin (MQTT, web page, training),
/// and at each connect. A refusal also goes to `error`, naming the payload field or the failed step. Refused as a
/// whole unless Mqtt:Commands is true (model/state is published either way).
/// </summary>
internal sealed partial class ModelCommand : IMqttCommand, IMqttConnectHook
{
    private const string Command = "cmd/model";
    private readonly StationTopics _topics;
    private readonly ModelDeployer _deployer;
    private readonly MqttNotices _notices;
    private readonly CommandErrors _errors;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly ILogger<ModelCommand> _logger;
    private readonly Lock _gate = new();
    private readonly bool _enabled;
    private (ModelSource Source, ModelDeployOutcome Outcome, DateTimeOffset Time)? _last;

    public ModelCommand(
        StationTopics topics, ModelDeployer deployer, MqttNotices notices, CommandErrors errors, TimeProvider time, IHostApplicationLifetime lifetime,
        Microsoft.Extensions.Options.IOptions<Configuration.MqttOptions> mqtt, ILogger<ModelCommand> logger)
    {
        _enabled = mqtt.Value.Commands;
        _topics = topics;
        _deployer = deployer;
        _notices = notices;
        _errors = errors;
        _time = time;
        _stopping = lifetime.ApplicationStopping;
        _logger = logger;
        deployer.Attempted += (source, outcome) => Answer(source, outcome, error: source.Origin == "mqtt");
    }

    public IEnumerable<string> Filters => [_topics.ModelCommand];

    public bool Matches(string topic) => topic == _topics.ModelCommand;

    public Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!_enabled)
        {
            _errors.Refuse(Command, null, "commands are off (set Mqtt:Commands to true to accept cmd/model)");
            return Task.CompletedTask;
        }

        if (Parse(payload) is not { } source)
        {
            return Task.CompletedTask;
        }

        // In the background: a download and a model load take seconds, and the client's message handler must not
        // hold the connection (and other commands) that long. The deployer runs one deployment at a time.
        _ = Task.Run(() => DeployAsync(source), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task DeployAsync(ModelSource source)
    {
        try
        {
            await _deployer.DeployAsync(source, null, _stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The station is stopping; the running model stays.
        }
        catch (Exception e)
        {
            // Not a refusal but a failure of the station's own: logged and answered, the running model stays.
            LogDeployFailed(_logger, e);
            Answer(source, new ModelDeployOutcome(false, $"internal: {Messages.OneLine(e.Message)}", _deployer.Current, 0), error: true);
        }
    }

    public void Connected(MqttNotices notices)
    {
        lock (_gate)
        {
            notices.Post(_topics.ModelState, ModelStateJson.Write(_deployer.Current, _last), retain: true);
        }
    }

    /// <summary>The request, or null after answering a refusal naming the field.</summary>
    private ModelSource? Parse(ReadOnlyMemory<byte> payload)
    {
        string? path = null, url = null, sha = null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Refuse(null, "the payload must be a JSON object: {\"url\":…,\"sha256\":…} or {\"path\":…}");
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name is not ("path" or "url" or "sha256"))
                {
                    return Refuse(p.Name, $"unknown field '{p.Name}' (expected url, sha256, path)");
                }

                if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString() is not { Length: > 0 } text)
                {
                    return Refuse(p.Name, $"'{p.Name}' must be a non-empty string");
                }

                if (p.Name == "path")
                {
                    path = text;
                }
                else if (p.Name == "url")
                {
                    url = text;
                }
                else
                {
                    sha = text;
                }
            }
        }
        catch (JsonException e)
        {
            return Refuse(null, $"the payload is not JSON ({Messages.OneLine(e.Message)})");
        }

        if ((path is null) == (url is null))
        {
            return Refuse(path is null ? "url" : "path", "give either url (with sha256) or path");
        }

        Uri? uri = null;
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out uri))
            {
                return Refuse("url", $"'{url}' is not an absolute URL");
            }

            if (ModelFetcher.CheckUrl(uri) is { } bad)
            {
                return Refuse("url", bad);
            }

            if (sha is null)
            {
                return Refuse("sha256", "required with url");
            }
        }

        return new ModelSource(path, uri, sha, "mqtt");
    }

    private ModelSource? Refuse(string? field, string reason)
    {
        LogRefused(_logger, field ?? "payload", reason);
        Answer(new ModelSource(null, null, null, "mqtt"), new ModelDeployOutcome(false, $"request: {reason}", _deployer.Current, 0), error: false);
        _errors.Refuse(Command, field, reason);
        return null;
    }

    /// <summary>After every attempt: the retained `model/state`, and for a refused `cmd/model` an `error`.</summary>
    private void Answer(ModelSource source, ModelDeployOutcome outcome, bool error)
    {
        lock (_gate)
        {
            _last = (source, outcome, _time.GetUtcNow());
            _notices.Post(_topics.ModelState, ModelStateJson.Write(outcome.Current, _last), retain: true);
        }

        if (error && !outcome.Swapped)
        {
            _errors.Refuse(Command, FieldOf(outcome.Reason!), outcome.Reason!);
        }
    }

    /// <summary>The payload field a failed step is about (url, path, sha256), else the step's name.</summary>
    private static string FieldOf(string reason)
    {
        var step = reason[..Math.Max(0, reason.IndexOf(':', StringComparison.Ordinal))];
        return step switch
        {
            "download" => "url",
            "path" => "path",
            "sha256" => "sha256",
            _ => step,
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "cmd/model: the deployment failed")]
    private static partial void LogDeployFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cmd/model refused ({Field}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string field, string reason);
}
