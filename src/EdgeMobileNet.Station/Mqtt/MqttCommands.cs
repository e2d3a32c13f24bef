using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// The messages the station subscribes to, dispatched to the registered <see cref="IMqttCommand"/>s (one class
/// each), and the hooks run on every connect. A command that throws is logged; the connection stays.
/// </summary>
internal sealed partial class MqttCommands(IEnumerable<IMqttCommand> commands, IEnumerable<IMqttConnectHook> hooks, MqttNotices notices, ILogger<MqttCommands> logger)
{
    private readonly IMqttCommand[] _commands = [.. commands];
    private readonly IMqttConnectHook[] _hooks = [.. hooks];

    public MqttNotices Notices => notices;

    public IEnumerable<string> Filters => _commands.SelectMany(c => c.Filters).Distinct(StringComparer.Ordinal);

    public async Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        foreach (var command in _commands)
        {
            if (!command.Matches(topic))
            {
                continue;
            }

            try
            {
                await command.HandleAsync(topic, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCommandFailed(logger, topic, ex.Message);
            }

            return;
        }
    }

    /// <summary>Runs every connect hook (they post to <see cref="Notices"/>).</summary>
    public void Connected()
    {
        foreach (var hook in _hooks)
        {
            hook.Connected(notices);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Topic}: the command failed: {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string topic, string reason);
}
