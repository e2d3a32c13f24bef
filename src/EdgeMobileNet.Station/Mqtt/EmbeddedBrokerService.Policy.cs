using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>The embedded broker's rules: who may connect, and which publishes it accepts.</summary>
internal sealed partial class EmbeddedBrokerService
{
    private readonly long _maxPacketBytes;
    private readonly long _maxRetainedBytes;
    private readonly Lock _retainedGate = new();
    private readonly Dictionary<string, long> _retained = new(StringComparer.Ordinal);
    private long _retainedBytes;

    /// <summary>Retained messages and their payload bytes as the budget counts them.</summary>
    internal (int Count, long Bytes) Retained
    {
        get
        {
            lock (_retainedGate)
            {
                return (_retained.Count, _retainedBytes);
            }
        }
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (_options.Username.Length > 0 && !(e.UserName == _options.Username && SameSecret(e.Password, _options.Password)))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            LogRefusedCredentials(_logger, e.RemoteEndPoint?.ToString() ?? "?", e.ClientId);
            return Task.CompletedTask;
        }

        if (e.ClientId == _stationClientId && !_key.Matches(e.UserProperties?.FirstOrDefault(p => p.Name == StationClientKey.Property) is { } p ? Encoding.UTF8.GetString(p.ValueBuffer.Span) : null))
        {
            // Without this, a client taking the id would cut the station off (the broker drops the older session).
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            e.ReasonString = "client id reserved for the station";
            LogRefusedClientId(_logger, e.RemoteEndPoint?.ToString() ?? "?", e.ClientId);
        }

        return Task.CompletedTask;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        var payload = message.Payload.Length;
        var own = e.ClientId == _stationClientId;
        var size = Encoding.UTF8.GetByteCount(message.Topic) + payload;
        if (!own && size > _maxPacketBytes)
        {
            Refuse(e, $"publish of {size} bytes over the embedded broker's limit of {_maxPacketBytes} bytes (Mqtt:BrokerMaxPacketKilobytes)");
            return Task.CompletedTask;
        }

        if (!message.Retain)
        {
            return Task.CompletedTask;
        }

        lock (_retainedGate)
        {
            var known = _retained.TryGetValue(message.Topic, out var before);
            if (payload == 0)
            {
                // An empty retained message deletes the topic's retained message.
                if (known)
                {
                    _retained.Remove(message.Topic);
                    _retainedBytes -= before;
                }

                return Task.CompletedTask;
            }

            var count = _retained.Count + (known ? 0 : 1);
            var bytes = _retainedBytes - before + payload;
            if (!own && (count > _options.BrokerMaxRetainedMessages || bytes > _maxRetainedBytes))
            {
                Refuse(e, count > _options.BrokerMaxRetainedMessages
                    ? $"retained message refused: the embedded broker keeps at most {_options.BrokerMaxRetainedMessages} (Mqtt:BrokerMaxRetainedMessages)"
                    : $"retained message refused: the embedded broker keeps at most {_maxRetainedBytes} bytes of them (Mqtt:BrokerMaxRetainedKilobytes)");
                return Task.CompletedTask;
            }

            _retained[message.Topic] = payload;
            _retainedBytes = bytes;
        }

        return Task.CompletedTask;
    }

    /// <summary>Neither forwarded nor retained. An MQTT 5 client gets the reason in its PUBACK; MQTT 3.1.1 has no
    /// way to say no, so its publish is dropped (and logged here).</summary>
    private void Refuse(InterceptingPublishEventArgs e, string reason)
    {
        e.ProcessPublish = false;
        e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
        e.Response.ReasonString = reason;
        LogRefusedPublish(_logger, e.ClientId, e.ApplicationMessage.Topic, reason);
    }

    private static bool SameSecret(string? presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented ?? ""), Encoding.UTF8.GetBytes(expected));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded broker refused client {ClientId} from {Endpoint}: wrong user name or password (Mqtt:Username, Mqtt:Password)")]
    private static partial void LogRefusedCredentials(ILogger logger, string endpoint, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded broker refused client {ClientId} from {Endpoint}: that client id is reserved for the station")]
    private static partial void LogRefusedClientId(ILogger logger, string endpoint, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded broker refused a publish from {ClientId} on {Topic}: {Reason}")]
    private static partial void LogRefusedPublish(ILogger logger, string clientId, string topic, string reason);
}
