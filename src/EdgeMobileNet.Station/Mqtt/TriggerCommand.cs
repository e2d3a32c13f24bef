using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>`cmd/trigger` (any payload) fires the MQTT trigger; logged and ignored with another trigger kind.</summary>
internal sealed partial class TriggerCommand(StationTopics topics, ITriggerSource trigger, ILogger<TriggerCommand> logger) : IMqttCommand
{
    public IEnumerable<string> Filters => [topics.TriggerCommand];

    public bool Matches(string topic) => topic == topics.TriggerCommand;

    public Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (trigger is MqttTrigger mqtt)
        {
            mqtt.Fire();
        }
        else
        {
            LogTriggerIgnored(logger, trigger.Name);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cmd/trigger ignored: Trigger:Kind is {Kind}")]
    private static partial void LogTriggerIgnored(ILogger logger, string kind);
}
