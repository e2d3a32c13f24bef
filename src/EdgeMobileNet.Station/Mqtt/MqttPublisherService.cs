using System.Buffers;
using System.Text;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// The one MQTT connection (registered only with Mqtt:Enabled): announces availability (retained `online`, will
/// `offline`), has <see cref="OutboxPublisher"/> deliver the outbox (several QoS 1 events in flight, a timeout each),
/// keeps the retained `state` (health with its reason, counters, backlog) current on every health change and every
/// Mqtt:StateIntervalSeconds, raises `degraded` while delivery lags beyond Mqtt:LagBoundSeconds, and hands subscribed
/// commands to <see cref="MqttCommands"/>. Reconnects with jittered exponential backoff; events wait in the outbox
/// (on disk by default) meanwhile. On stop it flushes for at most Mqtt:DrainTimeoutMs, logs what stays queued,
/// publishes the final `state` and says `stopped`, or, after a fault, leaves `available` `offline`.
/// </summary>
internal sealed partial class MqttPublisherService : BackgroundService
{
    public const string BrokerCondition = "mqtt";
    public const string LagCondition = "delivery";
    private readonly MqttOptions _o;
    private readonly IOutboxStore _store;
    private readonly OutboxPublisher _publisher;
    private readonly RunState _run;
    private readonly MqttCommands _commands;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttPublisherService> _logger;
    private readonly StationTopics _topics;
    private readonly EventJson _json;
    private readonly MqttClientOptions _clientOptions;
    private readonly ReconnectBackoff _backoff;
    private readonly CancellationTokenSource _drain = new();
    private volatile bool _healthChanged;

    public MqttPublisherService(
        IOptions<MqttOptions> mqtt,
        IOptions<StationOptions> station,
        IOutboxStore store,
        RunState run,
        MqttCommands commands,
        StationClientKey key,
        TimeProvider time,
        ILogger<MqttPublisherService> logger)
    {
        _o = mqtt.Value;
        _store = store;
        _run = run;
        _commands = commands;
        _time = time;
        _logger = logger;
        _topics = new StationTopics(station.Value.Id);
        _json = new EventJson(station.Value.Id);
        _clientOptions = MqttClientSetup.Build(_o, station.Value.Id, _topics, key);
        _backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(_o.ReconnectMinMs), TimeSpan.FromMilliseconds(_o.ReconnectMaxMs), Random.Shared);
        var settings = new OutboxPublisherSettings(_o.MaxInFlight, TimeSpan.FromMilliseconds(_o.PublishTimeoutMs), TimeSpan.FromSeconds(_o.LagBoundSeconds));
        _publisher = new OutboxPublisher(store, settings, time, logger);
        _run.Health.Changed += _ => _healthChanged = true;
        _run.UseBacklog(() =>
        {
            var b = _store.Backlog;
            return new EventBacklog(b.Count, b.Bytes, b.OldestAge.TotalSeconds, b.Dropped + _run.Counters.EventsDropped);
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var host = MqttClientSetup.Host(_o);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => _commands.HandleAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), stoppingToken);
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
                _commands.Connected();
                LogConnected(_logger, host, _o.Port, _store.Backlog.Count);
                _run.Health.Clear(BrokerCondition);
                wasConnected = true;
                _backoff.Reset();
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
                var delay = _backoff.Next();
                if (wasConnected)
                {
                    LogLost(_logger, ex.Message, _store.Backlog.Count);
                    wasConnected = false;
                }
                else
                {
                    LogConnectFailed(_logger, host, _o.Port, ex.Message, delay.TotalMilliseconds);
                }

                await OutboxPublisher.DisconnectQuietlyAsync(client).ConfigureAwait(false);
                if (_drain.IsCancellationRequested)
                {
                    return; // stopping with no broker: the queue stays in the outbox for the next run
                }

                try
                {
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _drain.Token);
                    await Task.Delay(delay, _time, wake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException)
                {
                    // Drain requested: one more attempt to flush and say goodbye.
                }
            }
        }
    }

    /// <summary>Delivers events (in the background) and state while connected. Returns true after the goodbye (drain
    /// requested); throws when the connection or a delivery failed.</summary>
    private async Task<bool> PumpAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        using var deliveryStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delivery = _publisher.DeliverAsync(client, deliveryStop.Token);
        try
        {
            var interval = TimeSpan.FromSeconds(_o.StateIntervalSeconds);
            var nextState = _time.GetTimestamp();
            while (true)
            {
                stoppingToken.ThrowIfCancellationRequested();
                if (delivery.IsCompleted)
                {
                    await delivery.ConfigureAwait(false); // throws DeliveryFailedException
                    throw new MQTTnet.Exceptions.MqttCommunicationException("delivery ended");
                }

                if (!client.IsConnected)
                {
                    throw new MQTTnet.Exceptions.MqttCommunicationException("connection lost");
                }

                if (_drain.IsCancellationRequested)
                {
                    await deliveryStop.CancelAsync().ConfigureAwait(false);
                    await OutboxPublisher.WaitQuietlyAsync(delivery).ConfigureAwait(false);
                    await GoodbyeAsync(client, stoppingToken).ConfigureAwait(false);
                    return true;
                }

                if (_time.GetElapsedTime(nextState) >= TimeSpan.Zero)
                {
                    CheckLag();
                    _healthChanged = true;
                    nextState = _time.GetTimestamp() + (long)(interval.TotalSeconds * _time.TimestampFrequency);
                }

                if (_healthChanged)
                {
                    _healthChanged = false;
                    await PublishStateAsync(client, stoppingToken).ConfigureAwait(false);
                }

                while (_commands.Notices.TryTake(out var notice))
                {
                    await PublishBoundedAsync(client, notice.Topic, notice.Payload, notice.Retain, stoppingToken).ConfigureAwait(false);
                }

                // Health changes and pin notices are picked up within 100 ms.
                try
                {
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _drain.Token);
                    await Task.WhenAny(delivery, Task.Delay(TimeSpan.FromMilliseconds(100), _time, wake.Token)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Drain requested: loop round to flush and say goodbye.
                }
            }
        }
        finally
        {
            await deliveryStop.CancelAsync().ConfigureAwait(false);
            await OutboxPublisher.WaitQuietlyAsync(delivery).ConfigureAwait(false);
        }
    }

    private void CheckLag()
    {
        if (_publisher.DegradedReason() is { } reason)
        {
            _run.Health.Raise(LagCondition, reason);
        }
        else
        {
            _run.Health.Clear(LagCondition);
        }
    }

    private async Task<HealthSnapshot> PublishStateAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var health = _run.Health.Current;
        await PublishBoundedAsync(client, _topics.State, _json.State(health, _run, _time.GetUtcNow()), retain: true, cancellationToken).ConfigureAwait(false);
        return health;
    }
}
