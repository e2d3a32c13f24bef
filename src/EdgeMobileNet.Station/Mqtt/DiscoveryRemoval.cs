using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// `edgemobilenet run --remove-discovery`: publishes the empty retained discovery config, which makes Home Assistant
/// remove the station's device and entities, and exits. Uses the run's MQTT settings under its own client id (a
/// running station keeps its connection) and no last will. Exit 0 when removed (or, with the embedded broker and no
/// station running, when there is nothing to remove); 1 when the broker cannot be reached or refuses.
/// </summary>
internal static class DiscoveryRemoval
{
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var mqtt = services.GetRequiredService<IOptions<MqttOptions>>().Value; // validated: bad keys end here with exit 2
        var station = services.GetRequiredService<IOptions<StationOptions>>().Value;
        if (!mqtt.Enabled)
        {
            throw new Inference.EdgeMobileNetException("--remove-discovery: Mqtt:Enabled is false, there is no broker to remove the discovery from");
        }

        var discovery = services.GetRequiredService<HomeAssistantDiscovery>();
        var topics = new StationTopics(station.Id);
        var options = MqttClientSetup.Build(mqtt, station.Id, topics);
        options.ClientId += "-remove-discovery";
        options.WillTopic = null;
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await MqttClientSetup.ConnectAsync(client, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (mqtt.Host.Length == 0)
            {
                await output.WriteLineAsync($"no broker on 127.0.0.1:{mqtt.Port}: the embedded broker keeps no retained messages once the station stops, nothing to remove").ConfigureAwait(false);
                return 0;
            }

            await error.WriteLineAsync($"edgemobilenet: --remove-discovery: MQTT broker {MqttClientSetup.Host(mqtt)}:{mqtt.Port}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await MqttClientSetup.PublishAsync(client, discovery.ConfigTopic, [], retain: true, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"removed {discovery.ConfigTopic}").ConfigureAwait(false);
        return 0;
    }
}
