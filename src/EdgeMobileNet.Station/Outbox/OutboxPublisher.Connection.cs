using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>The connection side: the reconnect loop, a quiet disconnect, and quiet waits on runs that may fail.</summary>
internal sealed partial class OutboxPublisher
{
    /// <summary>A connection loop for a client that only carries the outbox: connect, deliver, and on any failure
    /// disconnect, wait a jittered backoff, and connect again. Returns when <paramref name="cancellationToken"/> is
    /// cancelled.</summary>
    public async Task RunAsync(Func<IMqttClient> newClient, MqttClientOptions options, ReconnectBackoff backoff, CancellationToken cancellationToken)
    {
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = newClient();
            try
            {
                await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
                if (!first)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                first = false;
                backoff.Reset();
                LogConnected(_logger, _store.Backlog.Count);
                await DeliverAsync(client, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is DeliveryFailedException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                var delay = backoff.Next();
                LogDeliveryFailed(_logger, ex.Message, _store.Backlog.Count, delay.TotalMilliseconds);
                await DisconnectQuietlyAsync(client).ConfigureAwait(false);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Disconnects within a second if still connected; failures are ignored (disposal or the next connect
    /// replaces the socket).</summary>
    internal static async Task DisconnectQuietlyAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException or IOException)
        {
            // Disposing the client closes the socket.
        }
    }

    /// <summary>Awaits a publish or delivery run that may end with its connection or a cancellation.</summary>
    internal static async Task WaitQuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Woken early on purpose.
        }
        catch (Exception ex) when (ex is DeliveryFailedException or MQTTnet.Exceptions.MqttCommunicationException or IOException or InvalidOperationException)
        {
            // An abandoned publish (or delivery run) failing with its connection.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox delivery connected; {Waiting} events waiting")]
    private static partial void LogConnected(ILogger logger, long waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox delivery stopped ({Reason}); {Waiting} events waiting, reconnecting in {DelayMs:F0} ms")]
    private static partial void LogDeliveryFailed(ILogger logger, string reason, long waiting, double delayMs);
}
