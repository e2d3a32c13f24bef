using System.Device.Gpio;
using System.Globalization;
using System.Text;
using EdgeMobileNet.Station.Gpio;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// `cmd/gpio/&lt;pin&gt;` (`high`, `low`, `pulse`) drives an input pin of the simulated GPIO driver, so a
/// `Trigger:Kind gpio` station can be commissioned without hardware; logged when it cannot apply. The other way,
/// every change of a simulated pin is posted as a `gpio/&lt;pin&gt;` notice.
/// </summary>
internal sealed partial class GpioCommand : IMqttCommand
{
    private static readonly TimeSpan PulseLength = TimeSpan.FromMilliseconds(50);
    private readonly StationTopics _topics;
    private readonly SimulatedGpio _gpio;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public GpioCommand(StationTopics topics, SimulatedGpio gpio, MqttNotices notices, TimeProvider time, ILogger<GpioCommand> logger)
    {
        _topics = topics;
        _gpio = gpio;
        _time = time;
        _logger = logger;
        if (gpio.Driver is { } driver)
        {
            driver.PinChanged += c => notices.Post(topics.GpioPin(c.Pin), Encoding.UTF8.GetBytes(c.Value == PinValue.High ? "high" : "low"));
        }
    }

    public IEnumerable<string> Filters => [_topics.GpioCommandFilter];

    public bool Matches(string topic) => topic.StartsWith(_topics.GpioCommandPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var pinText = topic[_topics.GpioCommandPrefix.Length..];
        var command = Encoding.UTF8.GetString(payload.Span).Trim().ToLowerInvariant();
        if (_gpio.Driver is not { } driver)
        {
            LogGpioIgnored(_logger, topic, "the GPIO driver is not the simulated one");
            return;
        }

        if (!int.TryParse(pinText, NumberStyles.None, CultureInfo.InvariantCulture, out var pin) || pin >= _gpio.PinCount)
        {
            LogGpioIgnored(_logger, topic, $"no pin '{pinText}' (0..{_gpio.PinCount - 1})");
            return;
        }

        LogGpioCommand(_logger, pin, command);
        switch (command)
        {
            case "high" or "1":
                driver.SetInput(pin, PinValue.High);
                break;
            case "low" or "0":
                driver.SetInput(pin, PinValue.Low);
                break;
            case "pulse":
                var rest = driver.Level(pin);
                var active = rest == PinValue.High ? PinValue.Low : PinValue.High;
                driver.SetInput(pin, active);
                await Task.Delay(PulseLength, _time, cancellationToken).ConfigureAwait(false);
                driver.SetInput(pin, rest);
                break;
            default:
                LogGpioIgnored(_logger, topic, $"unknown command '{command}' (high, low or pulse)");
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Topic} ignored: {Reason}")]
    private static partial void LogGpioIgnored(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated GPIO input pin {Pin}: {Command} (cmd/gpio)")]
    private static partial void LogGpioCommand(ILogger logger, int pin, string command);
}
