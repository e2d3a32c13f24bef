using System.Text;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.State;
using MQTTnet;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>Stopping: a bounded flush of the outbox, then the final `state` and `stopped`; whatever the flush could
/// not deliver stays in the outbox (on disk by default) for the next run, and its count is logged.</summary>
internal sealed partial class MqttPublisherService
{
    /// <summary>Asks the loop to flush the outbox, publish the final `state` and disconnect; the host's token
    /// (cancelled by base.StopAsync) cuts that short when the shutdown budget runs out.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _drain.CancelAsync().ConfigureAwait(false);
        if (ExecuteTask is { } task)
        {
            var budget = TimeSpan.FromMilliseconds(_o.DrainTimeoutMs + 1000);
            await Task.WhenAny(task, Task.Delay(budget, _time, cancellationToken)).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        LogLeft(_logger, _store.Backlog.Count);
    }

    public override void Dispose()
    {
        _drain.Dispose();
        base.Dispose();
    }

    private async Task GoodbyeAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(_o.DrainTimeoutMs));
        try
        {
            await _publisher.DeliverAsync(client, deadline.Token, untilEmpty: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            LogDrainTimeout(_logger, _o.DrainTimeoutMs, _store.Backlog.Count);
        }
        catch (DeliveryFailedException ex)
        {
            LogDrainFailed(_logger, ex.Message, _store.Backlog.Count);
        }

        var health = await PublishStateAsync(client, stoppingToken).ConfigureAwait(false);
        // A fault is not a clean stop: `available` stays `offline` (what the will would say) for dashboards to alarm on.
        var available = health.Status == HealthStatus.Fault ? "offline" : "stopped";
        await MqttClientSetup.PublishAsync(client, _topics.Available, Encoding.UTF8.GetBytes(available), retain: true, stoppingToken).ConfigureAwait(false);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), stoppingToken).ConfigureAwait(false);
        LogStopped(_logger, health.StatusName, available);
    }

    /// <summary>A `state` or notice publish, bounded by Mqtt:PublishTimeoutMs like an event: a broker holding the
    /// PUBACK must not stall the loop that notices the connection failing (it is dropped and made again).</summary>
    private async Task PublishBoundedAsync(IMqttClient client, string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromMilliseconds(_o.PublishTimeoutMs);
        using var timer = new CancellationTokenSource(timeout, _time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await MqttClientSetup.PublishAsync(client, topic, payload, retain, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryFailedException($"no PUBACK for {topic} within {timeout.TotalMilliseconds:F0} ms");
        }
    }
}
