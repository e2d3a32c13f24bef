using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// The one MQTT connection: announces availability (retained `online`, will `offline`, `stopped` on a clean exit),
/// delivers queued events in order with QoS 1, refreshes the retained `state`, and turns `cmd/trigger` messages into
/// triggers. Reconnects with exponential backoff; events wait in the outbox meanwhile.
/// </summary>
internal sealed partial class MqttPublisherService : BackgroundService
{
    private readonly StationOptions _options;
    private readonly IEventOutbox _outbox;
    private readonly StationCounters _counters;
    private readonly StationState _state;
    private readonly TriggerQueue _triggers;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttPublisherService> _logger;
    private readonly StationTopics _topics;
    private readonly EventJson _json;
    private readonly CancellationTokenSource _drain = new();

    public MqttPublisherService(
        IOptions<StationOptions> options,
        IEventOutbox outbox,
        StationCounters counters,
        StationState state,
        TriggerQueue triggers,
        TimeProvider time,
        ILogger<MqttPublisherService> logger)
    {
        _options = options.Value;
        _outbox = outbox;
        _counters = counters;
        _state = state;
        _triggers = triggers;
        _time = time;
        _logger = logger;
        _topics = new StationTopics(_options.Station.Id);
        _json = new EventJson(_options.Station.Id, state.RunId, []);
    }

    /// <summary>Asks the loop to flush the outbox, publish `state` and `stopped`, and disconnect; the host's token
    /// (cancelled by base.StopAsync) cuts that short when the shutdown budget runs out.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _drain.CancelAsync().ConfigureAwait(false);
        if (ExecuteTask is { } task)
        {
            var budget = TimeSpan.FromMilliseconds(_options.Mqtt.DrainTimeoutMs + 500);
            await Task.WhenAny(task, Task.Delay(budget, _time, cancellationToken)).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _drain.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = _options.Mqtt;
        var host = o.Host.Length > 0 ? o.Host : "127.0.0.1";
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == _topics.TriggerCommand)
            {
                if (_options.Trigger.Kind == "mqtt")
                {
                    _triggers.Fire("mqtt");
                }
                else
                {
                    LogTriggerIgnored(_logger, _options.Trigger.Kind);
                }
            }

            return Task.CompletedTask;
        };

        var backoff = TimeSpan.FromMilliseconds(o.ReconnectMinMs);
        var wasConnected = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await client.ConnectAsync(BuildOptions(host), stoppingToken).ConfigureAwait(false);
                await PublishAsync(client, _topics.Available, Encoding.UTF8.GetBytes("online"), retain: true, stoppingToken).ConfigureAwait(false);
                await client.SubscribeAsync(
                    new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topics.TriggerCommand, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                    stoppingToken).ConfigureAwait(false);
                LogConnected(_logger, host, o.Port, _outbox.Count);
                wasConnected = true;
                backoff = TimeSpan.FromMilliseconds(o.ReconnectMinMs);
                if (await PumpAsync(client, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (wasConnected)
                {
                    LogLost(_logger, ex.Message, _outbox.Count);
                    wasConnected = false;
                }
                else
                {
                    LogConnectFailed(_logger, host, o.Port, ex.Message, backoff.TotalMilliseconds);
                }
            }

            if (_drain.IsCancellationRequested)
            {
                // Stopping with no broker: nothing more can be delivered.
                return;
            }

            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _drain.Token);
                await Task.Delay(backoff, _time, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }

            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, o.ReconnectMaxMs));
        }
    }

    /// <summary>Delivers events and state while connected. Returns true after a clean goodbye (drain requested).</summary>
    private async Task<bool> PumpAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(_options.Mqtt.StateIntervalSeconds);
        var nextState = _time.GetTimestamp();
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            if (!client.IsConnected)
            {
                throw new MQTTnet.Exceptions.MqttCommunicationException("connection lost");
            }

            if (_drain.IsCancellationRequested)
            {
                await GoodbyeAsync(client, stoppingToken).ConfigureAwait(false);
                return true;
            }

            if (_time.GetElapsedTime(nextState) >= TimeSpan.Zero)
            {
                await PublishStateAsync(client, "running", stoppingToken).ConfigureAwait(false);
                nextState = _time.GetTimestamp() + (long)(interval.TotalSeconds * _time.TimestampFrequency);
            }

            if (_outbox.TryPeek(out var message))
            {
                await PublishAsync(client, message.Topic, message.Payload, retain: false, stoppingToken).ConfigureAwait(false);
                _outbox.RemoveHead();
                continue;
            }

            var untilState = -_time.GetElapsedTime(nextState);
            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _drain.Token);
                await _outbox.WaitAsync(untilState > TimeSpan.Zero ? untilState : TimeSpan.Zero, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Drain requested: loop round to flush and say goodbye.
            }
        }
    }

    private async Task GoodbyeAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(_options.Mqtt.DrainTimeoutMs));
        try
        {
            while (_outbox.TryPeek(out var message))
            {
                await PublishAsync(client, message.Topic, message.Payload, retain: false, deadline.Token).ConfigureAwait(false);
                _outbox.RemoveHead();
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            LogDrainTimeout(_logger, _outbox.Count);
        }

        await PublishStateAsync(client, "stopped", stoppingToken).ConfigureAwait(false);
        await PublishAsync(client, _topics.Available, Encoding.UTF8.GetBytes("stopped"), retain: true, stoppingToken).ConfigureAwait(false);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), stoppingToken).ConfigureAwait(false);
        LogStopped(_logger);
    }

    private Task PublishStateAsync(IMqttClient client, string status, CancellationToken cancellationToken) =>
        PublishAsync(client, _topics.State, _json.State(status, _state.LastVerdict, _counters, _time.GetUtcNow()), retain: true, cancellationToken);

    private static async Task PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"publish to {topic} refused: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private MqttClientOptions BuildOptions(string host)
    {
        var o = _options.Mqtt;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, o.Port)
            .WithClientId(o.ClientId.Length > 0 ? o.ClientId : $"edgemobilenet-{_options.Station.Id}")
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(_topics.Available)
            .WithWillPayload(Encoding.UTF8.GetBytes("offline"))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (o.Username.Length > 0)
        {
            builder.WithCredentials(o.Username, o.Password);
        }

        if (o.Tls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (o.CaFile.Length > 0)
                {
                    var chain = new X509Certificate2Collection();
                    chain.ImportFromPemFile(o.CaFile);
                    tls.WithTrustChain(chain);
                }

                if (o.AllowUntrustedCertificates)
                {
                    tls.WithAllowUntrustedCertificates().WithIgnoreCertificateChainErrors().WithCertificateValidationHandler(_ => true);
                }
            });
        }

        return builder.Build();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port}; {Queued} events queued")]
    private static partial void LogConnected(ILogger logger, string host, int port, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection lost ({Reason}); {Queued} events queued, reconnecting")]
    private static partial void LogLost(ILogger logger, string reason, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connect to {Host}:{Port} failed ({Reason}); retrying in {DelayMs} ms")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT drain timed out with {Queued} events undelivered")]
    private static partial void LogDrainTimeout(ILogger logger, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: published stopped, disconnected")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "cmd/trigger ignored: Trigger:Kind is {Kind}")]
    private static partial void LogTriggerIgnored(ILogger logger, string kind);
}
