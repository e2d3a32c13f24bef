using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>The simulated driver when it is the one in use (for `cmd/gpio` commands), else null.</summary>
internal sealed record SimulatedGpio(SimulatedGpioDriver? Driver, int PinCount);

/// <summary>Picks the GPIO driver: libgpiod on real hardware, the simulated driver when configured or when the
/// machine has no gpiochip (a laptop, a container), which is logged so it never goes unnoticed on a Pi. A libgpiod
/// that cannot be used (library not installed, chip missing or not accessible) is a start-up error naming
/// Gpio:Driver.</summary>
internal static partial class GpioControllerFactory
{
    public static bool HasGpioChip() =>
        Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();

    public static bool UsesSimulated(GpioOptions options) =>
        options.Driver == GpioDriverKind.Simulated || (options.Driver == GpioDriverKind.Auto && !HasGpioChip());

    public static GpioController Create(GpioOptions options, SimulatedGpioDriver simulated, ILogger logger)
    {
        if (UsesSimulated(options))
        {
            if (options.Driver == GpioDriverKind.Auto)
            {
                LogNoChip(logger);
            }

            LogDriver(logger, "simulated (output changes are logged; drive inputs with cmd/gpio/<pin> or `edgemobilenet gpio`)");
            return new GpioController(simulated);
        }

        var controller = new GpioController(OpenLibgpiod(options.Chip, "Gpio:Driver"));
        LogDriver(logger, $"libgpiod chip {options.Chip}");
        return controller;
    }

    /// <summary>Opens gpiochip<paramref name="chip"/> through libgpiod; failures name <paramref name="key"/>.</summary>
    public static GpioDriver OpenLibgpiod(int chip, string key)
    {
        try
        {
            return new LibGpiodDriver(chip);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new EdgeMobileNetException(
                $"{key}: libgpiod: the libgpiod library is not installed (apt install libgpiod2), or use Gpio:Driver simulated", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException or InvalidOperationException)
        {
            var device = $"/dev/gpiochip{chip}";
            var why = File.Exists(device) ? $"cannot open {device} ({Messages.OneLine(e.Message)}; is the user in the gpio group?)" : $"no {device} on this machine";
            throw new EdgeMobileNetException($"{key}: libgpiod: {why}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No /dev/gpiochip* found: using simulated GPIO (set Gpio:Driver to silence this)")]
    private static partial void LogNoChip(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "GPIO driver: {Driver}")]
    private static partial void LogDriver(ILogger logger, string driver);
}
