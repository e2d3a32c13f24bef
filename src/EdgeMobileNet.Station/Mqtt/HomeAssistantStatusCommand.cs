using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>`&lt;prefix&gt;/status` `online` (Home Assistant's birth message, sent when it starts) re-posts the
/// discovery config, so a Home Assistant that lost its retained messages still finds the station.</summary>
internal sealed partial class HomeAssistantStatusCommand(HomeAssistantDiscovery discovery, MqttNotices notices, ILogger<HomeAssistantStatusCommand> logger) : IMqttCommand
{
    public IEnumerable<string> Filters => [discovery.StatusTopic];

    public bool Matches(string topic) => topic == discovery.StatusTopic;

    public Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (Encoding.UTF8.GetString(payload.Span).Trim() == "online")
        {
            LogResend(logger, topic);
            discovery.Post(notices);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Topic} online: Home Assistant discovery sent again")]
    private static partial void LogResend(ILogger logger, string topic);
}
