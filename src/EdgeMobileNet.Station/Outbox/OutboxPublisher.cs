using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>Settings of <see cref="OutboxPublisher"/>.</summary>
/// <param name="MaxInFlight">QoS 1 publishes awaiting their PUBACK at once (≥ 1). With a round trip R, delivery
/// keeps up with MaxInFlight / R messages a second.</param>
/// <param name="PublishTimeout">A PUBACK later than this counts as a dead connection: disconnect and reconnect.</param>
/// <param name="LagBound">The oldest waiting event older than this marks the station degraded.</param>
internal sealed record OutboxPublisherSettings(int MaxInFlight, TimeSpan PublishTimeout, TimeSpan LagBound)
{
    public static OutboxPublisherSettings Default { get; } = new(8, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
}

/// <summary>Why a delivery run on one connection ended.</summary>
internal sealed class DeliveryFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Delivers the outbox over a connected MQTTnet client with several QoS 1 publishes in flight, in sequence order, each
/// with its own timeout. A message is removed from the outbox only when its PUBACK arrives; a timeout, a refused
/// publish or a broken connection ends the run with <see cref="DeliveryFailedException"/>, and everything not yet
/// acknowledged is sent again (same payload, so same id) on the next connection. The caller owns the connection:
/// on failure it disconnects and reconnects with <see cref="ReconnectBackoff"/> (see <see cref="RunAsync"/>, which
/// does exactly that, for a connection that carries nothing else).
/// </summary>
internal sealed partial class OutboxPublisher
{
    private readonly IOutboxStore _store;
    private readonly OutboxPublisherSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _delivered;
    private long _timeouts;
    private long _reconnects;
    private int _connected;

    public OutboxPublisher(IOutboxStore store, OutboxPublisherSettings settings, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxInFlight, 1);
        _store = store;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    /// <summary>Messages acknowledged by the broker since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Publishes whose PUBACK did not come within the timeout.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Connections made after the first one (by <see cref="RunAsync"/>).</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Null while delivery keeps up; otherwise why the station is degraded (for health and `state`).</summary>
    public string? DegradedReason()
    {
        var backlog = _store.Backlog;
        if (backlog.OldestAge <= _settings.LagBound)
        {
            return null;
        }

        var link = Volatile.Read(ref _connected) == 1 ? "connected" : "broker unreachable";
        return $"event delivery lag {backlog.OldestAge.TotalSeconds:F1} s over the {_settings.LagBound.TotalSeconds:F0} s bound ({link}; {backlog.Count} events waiting)";
    }

    /// <summary>How long a stop waits for the PUBACKs of messages already in flight.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Delivers until <paramref name="cancellationToken"/> is cancelled (returns or throws
    /// <see cref="OperationCanceledException"/>, leaving unacknowledged messages in the outbox) or the connection fails
    /// (throws <see cref="DeliveryFailedException"/>). With
    /// <paramref name="untilEmpty"/> it returns as soon as nothing is waiting or in flight (the drain on stop).
    /// </summary>
    public async Task DeliverAsync(IMqttClient client, CancellationToken cancellationToken, bool untilEmpty = false)
    {
        var inFlight = new Queue<InFlight>(_settings.MaxInFlight);
        var batch = new List<OutboxEntry>(_settings.MaxInFlight);
        long sent = 0;
        Volatile.Write(ref _connected, 1);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (inFlight.Count < _settings.MaxInFlight)
                {
                    batch.Clear();
                    _store.Peek(sent, _settings.MaxInFlight - inFlight.Count, batch);
                    foreach (var entry in batch)
                    {
                        // Started one after the other from this task, so they go out in sequence order.
                        inFlight.Enqueue(Publish(client, entry));
                        sent = entry.Sequence;
                    }
                }

                if (inFlight.Count == 0)
                {
                    if (!client.IsConnected)
                    {
                        throw new DeliveryFailedException("connection lost");
                    }

                    if (untilEmpty)
                    {
                        var backlog = _store.Backlog;
                        if (backlog.DurableSequence >= backlog.LastSequence)
                        {
                            return;
                        }

                        // Draining: commit what is still waiting for the next commit rather than leave it behind.
                        await _store.FlushAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await WaitQuietlyAsync(_store.WaitAsync(sent, TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
                    continue;
                }

                var oldest = inFlight.Peek();
                if (!oldest.Task.IsCompleted)
                {
                    // Wait for the oldest PUBACK, or a stop; with room in the window, also for new messages.
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var other = inFlight.Count < _settings.MaxInFlight
                        ? _store.WaitAsync(sent, _settings.PublishTimeout, wake.Token)
                        : Task.Delay(Timeout.InfiniteTimeSpan, _time, wake.Token);
                    await Task.WhenAny(oldest.Task, other).ConfigureAwait(false);
                    await wake.CancelAsync().ConfigureAwait(false);
                    await WaitQuietlyAsync(other).ConfigureAwait(false);
                    if (!oldest.Task.IsCompleted)
                    {
                        continue;
                    }
                }

                inFlight.Dequeue();
                await CompleteAsync(oldest, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Stopping (not draining) on a live connection: what is in flight was already handed to the client, so its
            // PUBACK is awaited (for a short grace) and an acknowledged message is removed; otherwise the drain would
            // send it a second time. A publish is never cancelled: MQTTnet writes a publish as header, then payload,
            // and a write cut short leaves half a packet on a connection that the drain (and `state`) keep using;
            // the broker would take the next packets' bytes as the rest of that payload. One still unacknowledged
            // after the grace stays in the outbox (the drain sends it again, same id) and is removed if its PUBACK
            // comes later; it ends with its connection otherwise.
            Volatile.Write(ref _connected, 0);
            var grace = cancellationToken.IsCancellationRequested && client.IsConnected && !untilEmpty
                ? Task.Delay(StopGrace, _time)
                : Task.CompletedTask;
            while (inFlight.TryDequeue(out var abandoned))
            {
                await Task.WhenAny(abandoned.Task, grace).ConfigureAwait(false);
                if (abandoned.Send.IsCompleted)
                {
                    RemoveIfAcknowledged(abandoned.Send, abandoned.Sequence);
                }
                else
                {
                    var sequence = abandoned.Sequence;
                    _ = abandoned.Send.ContinueWith(t => RemoveIfAcknowledged(t, sequence), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
    }

    private void RemoveIfAcknowledged(Task<MqttClientPublishResult> send, long sequence)
    {
        try
        {
            if (send.IsCompletedSuccessfully && send.Result.IsSuccess && _store.Remove(sequence))
            {
                Interlocked.Increment(ref _delivered);
            }
        }
        catch (ObjectDisposedException)
        {
            // A late PUBACK after the store closed: the message stays and goes out again on the next run.
        }
    }

    private InFlight Publish(IMqttClient client, OutboxEntry entry)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(entry.Topic)
            .WithPayload(entry.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        // No cancellation token: a publish ends with its PUBACK or its connection, never half-written (see the
        // finally above). The timeout only stops waiting; the caller then drops the connection.
        var send = client.PublishAsync(message, CancellationToken.None);
        _ = send.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new InFlight(entry.Sequence, send, send.WaitAsync(_settings.PublishTimeout, _time));
    }

    private async Task CompleteAsync(InFlight publish, CancellationToken cancellationToken)
    {
        try
        {
            var result = await publish.Task.ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new DeliveryFailedException($"publish of {publish.Sequence} refused: {result.ReasonCode} {result.ReasonString}");
            }

            _store.Remove(publish.Sequence);
            Interlocked.Increment(ref _delivered);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: not a failure of the connection.
            throw new OperationCanceledException("delivery stopped", ex, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or MQTTnet.Exceptions.MqttCommunicationTimedOutException)
        {
            Interlocked.Increment(ref _timeouts);
            throw new DeliveryFailedException($"no PUBACK for {publish.Sequence} within {_settings.PublishTimeout.TotalMilliseconds:F0} ms", ex);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException ex)
        {
            throw new DeliveryFailedException($"publish of {publish.Sequence} failed: {ex.Message}", ex);
        }
    }

    /// <summary>A publish handed to the client: <see cref="Send"/> ends with the PUBACK or the connection;
    /// <see cref="Task"/> is the same bounded by the publish timeout.</summary>
    private sealed record InFlight(long Sequence, Task<MqttClientPublishResult> Send, Task<MqttClientPublishResult> Task);
}
