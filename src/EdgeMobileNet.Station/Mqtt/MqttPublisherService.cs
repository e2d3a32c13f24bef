using System.Buffers;
using System.Text;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// The one MQTT connection (registered only with Mqtt:Enabled): announces availability (retained `online`, will
/// `offline`), delivers queued events in order with QoS 1, keeps the retained `state` (health with its reason, the
/// counters) current on every health change and every Mqtt:StateIntervalSeconds, and hands subscribed commands to
/// <see cref="MqttCommands"/>. Reconnects with exponential backoff; events wait in the outbox meanwhile. On stop it
/// flushes, publishes the final `state` and says `stopped`, or, after a fault, leaves `available` `offline`.
/// </summary>
internal sealed partial class MqttPublisherService : BackgroundService
{
    public const string BrokerCondition = "mqtt";
    private readonly MqttOptions _o;
    private readonly IEventOutbox _outbox;
    private readonly RunState _run;
    private readonly MqttCommands _commands;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttPublisherService> _logger;
    private readonly StationTopics _topics;
    private readonly EventJson _json;
    private readonly MqttClientOptions _clientOptions;
    private readonly CancellationTokenSource _drain = new();
    private volatile bool _healthChanged;

    public MqttPublisherService(
        IOptions<MqttOptions> mqtt,
        IOptions<StationOptions> station,
        IEventOutbox outbox,
        RunState run,
        MqttCommands commands,
        TimeProvider time,
        ILogger<MqttPublisherService> logger)
    {
        _o = mqtt.Value;
        _outbox = outbox;
        _run = run;
        _commands = commands;
        _time = time;
        _logger = logger;
        _topics = new StationTopics(station.Value.Id);
        _json = new EventJson(station.Value.Id, run.RunId);
        _clientOptions = MqttClientSetup.Build(_o, station.Value.Id, _topics);
        _run.Health.Changed += _ => _healthChanged = true;
    }

    /// <summary>Asks the loop to flush the outbox, publish the final `state` and disconnect; the host's token
    /// (cancelled by base.StopAsync) cuts that short when the shutdown budget runs out.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _drain.CancelAsync().ConfigureAwait(false);
        if (ExecuteTask is { } task)
        {
            var budget = TimeSpan.FromMilliseconds(_o.DrainTimeoutMs + 500);
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
        var host = MqttClientSetup.Host(_o);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => _commands.HandleAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
        var backoff = TimeSpan.FromMilliseconds(_o.ReconnectMinMs);
        var wasConnected = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MqttClientSetup.ConnectAsync(client, _clientOptions, stoppingToken).ConfigureAwait(false);
                await MqttClientSetup.PublishAsync(client, _topics.Available, Encoding.UTF8.GetBytes("online"), retain: true, stoppingToken).ConfigureAwait(false);
                var subscribe = new MqttClientSubscribeOptionsBuilder();
                foreach (var filter in _commands.Filters)
                {
                    subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
                }

                await client.SubscribeAsync(subscribe.Build(), stoppingToken).ConfigureAwait(false);
                LogConnected(_logger, host, _o.Port, _outbox.Count);
                _run.Health.Clear(BrokerCondition);
                wasConnected = true;
                backoff = TimeSpan.FromMilliseconds(_o.ReconnectMinMs);
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
                _run.Health.Raise(BrokerCondition, $"MQTT broker {host}:{_o.Port} unreachable: {ex.Message}");
                if (wasConnected)
                {
                    LogLost(_logger, ex.Message, _outbox.Count);
                    wasConnected = false;
                }
                else
                {
                    LogConnectFailed(_logger, host, _o.Port, ex.Message, backoff.TotalMilliseconds);
                }
            }

            if (_drain.IsCancellationRequested)
            {
                return; // stopping with no broker: nothing more can be delivered
            }

            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _drain.Token);
                await Task.Delay(backoff, _time, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // Drain requested: one more attempt to say goodbye.
            }

            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, _o.ReconnectMaxMs));
        }
    }

    /// <summary>Delivers events and state while connected. Returns true after the goodbye (drain requested).</summary>
    private async Task<bool> PumpAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(_o.StateIntervalSeconds);
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

            if (_healthChanged || _time.GetElapsedTime(nextState) >= TimeSpan.Zero)
            {
                _healthChanged = false;
                await PublishStateAsync(client, stoppingToken).ConfigureAwait(false);
                nextState = _time.GetTimestamp() + (long)(interval.TotalSeconds * _time.TimestampFrequency);
            }

            while (_commands.TryTakeNotice(out var notice))
            {
                await MqttClientSetup.PublishAsync(client, notice.Topic, notice.Payload, retain: false, stoppingToken).ConfigureAwait(false);
            }

            if (_outbox.TryPeek(out var message))
            {
                await MqttClientSetup.PublishAsync(client, message.Topic, message.Payload, retain: false, stoppingToken).ConfigureAwait(false);
                _outbox.RemoveHead();
                continue;
            }

            // Health changes and pin notices are picked up within 100 ms.
            var untilState = TimeSpan.FromTicks(Math.Clamp((-_time.GetElapsedTime(nextState)).Ticks, 0, TimeSpan.TicksPerMillisecond * 100));
            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _drain.Token);
                await _outbox.WaitAsync(untilState, wake.Token).ConfigureAwait(false);
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
        deadline.CancelAfter(TimeSpan.FromMilliseconds(_o.DrainTimeoutMs));
        try
        {
            while (_outbox.TryPeek(out var message))
            {
                await MqttClientSetup.PublishAsync(client, message.Topic, message.Payload, retain: false, deadline.Token).ConfigureAwait(false);
                _outbox.RemoveHead();
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            LogDrainTimeout(_logger, _outbox.Count);
        }

        var health = await PublishStateAsync(client, stoppingToken).ConfigureAwait(false);
        // A fault is not a clean stop: `available` stays `offline` (what the will would say) for dashboards to alarm on.
        var available = health.Status == HealthStatus.Fault ? "offline" : "stopped";
        await MqttClientSetup.PublishAsync(client, _topics.Available, Encoding.UTF8.GetBytes(available), retain: true, stoppingToken).ConfigureAwait(false);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), stoppingToken).ConfigureAwait(false);
        LogStopped(_logger, health.StatusName, available);
    }

    private async Task<HealthSnapshot> PublishStateAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var health = _run.Health.Current;
        await MqttClientSetup.PublishAsync(client, _topics.State, _json.State(health, _run, _time.GetUtcNow()), retain: true, cancellationToken).ConfigureAwait(false);
        return health;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port}; {Queued} events queued")]
    private static partial void LogConnected(ILogger logger, string host, int port, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection lost ({Reason}); {Queued} events queued, reconnecting")]
    private static partial void LogLost(ILogger logger, string reason, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connect to {Host}:{Port} failed ({Reason}); retrying in {DelayMs} ms")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT drain timed out with {Queued} events undelivered")]
    private static partial void LogDrainTimeout(ILogger logger, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: published state {Status} and available {Available}, disconnected")]
    private static partial void LogStopped(ILogger logger, string status, string available);
}
