using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>Picks the GPIO driver: libgpiod on real hardware, the simulated driver when configured or when the
/// machine has no gpiochip (a laptop, a container), which is logged so it never goes unnoticed on a Pi.</summary>
internal static partial class GpioControllerFactory
{
    public static bool HasGpioChip() =>
        Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();

    public static GpioController Create(GpioSection options, SimulatedGpioDriver simulated, ILogger logger)
    {
        var useSimulated = options.Driver == "simulated" || (options.Driver == "auto" && !HasGpioChip());
        if (useSimulated)
        {
            if (options.Driver == "auto")
            {
                LogNoChip(logger);
            }

            LogDriver(logger, "simulated");
            return new GpioController(simulated);
        }

        LogDriver(logger, $"libgpiod chip {options.Chip}");
        return new GpioController(new LibGpiodDriver(options.Chip));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No /dev/gpiochip* found: using simulated GPIO (set Gpio:Driver to silence this)")]
    private static partial void LogNoChip(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "GPIO driver: {Driver}")]
    private static partial void LogDriver(ILogger logger, string driver);
}
