using System.CommandLine;
using EdgeMobileNet.Station.Gpio;

namespace EdgeMobileNet.Commands;

/// <summary>`gpio pulse|watch`: commission a pin by hand, on real hardware (libgpiod) or on a running station with
/// the simulated driver (through its MQTT topics).</summary>
internal static class GpioCommand
{
    public static Command Create()
    {
        var command = new Command("gpio", "Pulse or watch a GPIO pin (libgpiod, or a running station's simulated pins over MQTT)");
        command.Subcommands.Add(Verb("pulse", "Pulse a pin: a libgpiod output high for --ms, or a simulated station input (cmd/gpio/<pin>)", pulse: true));
        command.Subcommands.Add(Verb("watch", "Print every change of a pin until Ctrl+C (or --seconds)", pulse: false));
        return command;
    }

    private static Command Verb(string name, string description, bool pulse)
    {
        var pin = new Option<int>("--pin") { Description = "Pin (BCM line number)", Required = true };
        var driver = new Option<string>("--driver") { Description = "libgpiod | simulated (a running station's pins over MQTT)", DefaultValueFactory = _ => "libgpiod" };
        var chip = new Option<int>("--chip") { Description = "libgpiod chip number", DefaultValueFactory = _ => 0 };
        var ms = new Option<int>("--ms") { Description = "pulse: length in ms (libgpiod)", DefaultValueFactory = _ => 50 };
        var seconds = new Option<double>("--seconds") { Description = "watch: stop after this many seconds (0 = until Ctrl+C)", DefaultValueFactory = _ => 0 };
        var host = new Option<string>("--mqtt-host") { Description = "simulated: the station's broker", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--mqtt-port") { Description = "simulated: the broker's port", DefaultValueFactory = _ => 1883 };
        var station = new Option<string>("--station-id") { Description = "simulated: Station:Id", DefaultValueFactory = _ => "station1" };
        var command = new Command(name, description) { pin, driver, chip, ms, seconds, host, port, station };
        command.SetAction(async (result, token) =>
        {
            var p = result.GetValue(pin);
            var kind = result.GetRequiredValue(driver);
            if (kind is not ("libgpiod" or "simulated"))
            {
                throw new Inference.EdgeMobileNetException($"--driver: unknown driver '{kind}' (expected one of: libgpiod, simulated)");
            }

            if (p < 0)
            {
                throw new Inference.EdgeMobileNetException($"--pin: must not be negative, got {p}");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            if (!pulse && result.GetValue(seconds) > 0)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(result.GetValue(seconds)));
            }

            var simulated = kind == "simulated";
            var (h, port0, id) = (result.GetRequiredValue(host), result.GetValue(port), result.GetRequiredValue(station));
            var output = result.InvocationConfiguration.Output;
            var work = (pulse, simulated) switch
            {
                (true, false) => GpioTool.PulseLineAsync(result.GetValue(chip), p, TimeSpan.FromMilliseconds(Math.Clamp(result.GetValue(ms), 1, 60_000)), stop.Token),
                (true, true) => GpioTool.PulseStationPinAsync(h, port0, id, p, stop.Token),
                (false, false) => GpioTool.WatchLineAsync(result.GetValue(chip), p, output, stop.Token),
                (false, true) => GpioTool.WatchStationPinAsync(h, port0, id, p, output, stop.Token),
            };
            await work.ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
