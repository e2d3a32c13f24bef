using System.CommandLine;
using System.Globalization;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Web.Hosting;

namespace EdgeMobileNet.Commands;

/// <summary>
/// `edgemobilenet run`: the station service. Settings come from appsettings.json, /etc/edgemobilenet/appsettings.json,
/// EDGEMOBILENET__Section__Key environment variables and `--Section:Key value` arguments (docs/configuration.md);
/// the flags below are shortcuts that win over all of them.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var demo = new Option<bool>("--demo") { Description = "Run the demo: synthetic conveyor, simulated GPIO, embedded broker, demo model" };
        var config = new Option<string?>("--config") { Description = "Extra JSON settings file (above the standard ones)" };
        var model = new Option<string?>("--model") { Description = "Model file (Model:Path)" };
        var maxFrames = new Option<long?>("--max-frames") { Description = "Stop cleanly after N classifications (Station:MaxFrames)" };
        var mqttHost = new Option<string?>("--mqtt-host") { Description = "External MQTT broker host (Mqtt:Host); default: embedded broker" };
        var mqttPort = new Option<int?>("--mqtt-port") { Description = "MQTT broker port (Mqtt:Port)" };
        var stationId = new Option<string?>("--station-id") { Description = "Station id in topics and events (Station:Id)" };
        var removeDiscovery = new Option<bool>("--remove-discovery") { Description = "Remove the station from Home Assistant (empty retained discovery config) and exit" };

        var command = new Command("run", "Run the inspection station (camera → classifier → GPIO and MQTT); the default verb")
        {
            demo, config, model, maxFrames, mqttHost, mqttPort, stationId, removeDiscovery,
        };

        // Any `--Section:Key value` is passed through to configuration.
        command.TreatUnmatchedTokensAsErrors = false;
        // Synchronous on purpose: the Generic Host owns SIGTERM/SIGINT (outputs safe, `stopped` published, exit 0);
        // an asynchronous action would let the command-line parser claim the signal and exit with 143.
        command.SetAction(parse =>
        {
            var overrides = new Dictionary<string, string?>();
            Set(overrides, "Model:Path", parse.GetValue(model));
            Set(overrides, "Station:MaxFrames", parse.GetValue(maxFrames)?.ToString(CultureInfo.InvariantCulture));
            Set(overrides, "Mqtt:Host", parse.GetValue(mqttHost));
            Set(overrides, "Mqtt:Port", parse.GetValue(mqttPort)?.ToString(CultureInfo.InvariantCulture));
            Set(overrides, "Station:Id", parse.GetValue(stationId));
            var isDemo = parse.GetValue(demo);
            var launch = new StationLaunch
            {
                Demo = isDemo,
                AddServices = (services, configuration) => services.AddStationWeb(configuration, isDemo),
                ConfigFile = parse.GetValue(config),
                ConfigArgs = [.. parse.UnmatchedTokens],
                Overrides = overrides,
                Error = parse.InvocationConfiguration.Error,
                RemoveDiscovery = parse.GetValue(removeDiscovery),
            };
            return StationHost.RunAsync(launch).GetAwaiter().GetResult();
        });
        return command;
    }

    private static void Set(Dictionary<string, string?> overrides, string key, string? value)
    {
        if (value is not null)
        {
            overrides[key] = value;
        }
    }
}
