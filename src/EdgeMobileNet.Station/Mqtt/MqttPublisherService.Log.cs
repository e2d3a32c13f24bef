using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>The publisher's log lines.</summary>
internal sealed partial class MqttPublisherService
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Host}:{Port}; {Queued} events queued")]
    private static partial void LogConnected(ILogger logger, string host, int port, long queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection lost ({Reason}); {Queued} events queued, reconnecting")]
    private static partial void LogLost(ILogger logger, string reason, long queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connect to {Host}:{Port} failed ({Reason}); retrying in {DelayMs} ms")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT drain stopped after {TimeoutMs} ms with {Queued} events undelivered")]
    private static partial void LogDrainTimeout(ILogger logger, int timeoutMs, long queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT drain failed ({Reason}) with {Queued} events undelivered")]
    private static partial void LogDrainFailed(ILogger logger, string reason, long queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT stopped; {Queued} events left in the outbox for the next run")]
    private static partial void LogLeft(ILogger logger, long queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: published state {Status} and available {Available}, disconnected")]
    private static partial void LogStopped(ILogger logger, string status, string available);
}
