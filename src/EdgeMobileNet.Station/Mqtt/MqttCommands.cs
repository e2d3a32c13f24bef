using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Globalization;
using System.Text;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// What the station does with the messages it subscribes to: `cmd/trigger` fires the MQTT trigger, and
/// `cmd/gpio/&lt;pin&gt;` (`high`, `low`, `pulse`) drives an input pin of the simulated GPIO driver, so a
/// `Trigger:Kind gpio` station can be commissioned without hardware. Both are logged when they cannot apply. The other
/// way, every change of a simulated pin is queued as a `gpio/&lt;pin&gt;` notice for the publisher.
/// </summary>
internal sealed partial class MqttCommands
{
    private const int MaxNotices = 10_000;
    private static readonly TimeSpan PulseLength = TimeSpan.FromMilliseconds(50);
    private readonly StationTopics _topics;
    private readonly ITriggerSource _trigger;
    private readonly SimulatedGpio _gpio;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<OutboxMessage> _notices = new();

    public MqttCommands(StationTopics topics, ITriggerSource trigger, SimulatedGpio gpio, TimeProvider time, ILogger logger)
    {
        _topics = topics;
        _trigger = trigger;
        _gpio = gpio;
        _time = time;
        _logger = logger;
        if (gpio.Driver is { } driver)
        {
            driver.PinChanged += c =>
            {
                if (_notices.Count < MaxNotices) // a broker away for long must not grow this without bound
                {
                    _notices.Enqueue(new OutboxMessage(topics.GpioPin(c.Pin), Encoding.UTF8.GetBytes(c.Value == PinValue.High ? "high" : "low")));
                }
            };
        }
    }

    /// <summary>The next simulated pin change to publish, oldest first.</summary>
    public bool TryTakeNotice([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OutboxMessage? notice) => _notices.TryDequeue(out notice);

    public IEnumerable<string> Filters => [_topics.TriggerCommand, _topics.GpioCommandFilter];

    public async Task HandleAsync(string topic, ReadOnlyMemory<byte> payload)
    {
        if (topic == _topics.TriggerCommand)
        {
            if (_trigger is MqttTrigger mqtt)
            {
                mqtt.Fire();
            }
            else
            {
                LogTriggerIgnored(_logger, _trigger.Name);
            }

            return;
        }

        if (!topic.StartsWith(_topics.GpioCommandPrefix, StringComparison.Ordinal))
        {
            return;
        }

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
                await Task.Delay(PulseLength, _time).ConfigureAwait(false);
                driver.SetInput(pin, rest);
                break;
            default:
                LogGpioIgnored(_logger, topic, $"unknown command '{command}' (high, low or pulse)");
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cmd/trigger ignored: Trigger:Kind is {Kind}")]
    private static partial void LogTriggerIgnored(ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Topic} ignored: {Reason}")]
    private static partial void LogGpioIgnored(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated GPIO input pin {Pin}: {Command} (cmd/gpio)")]
    private static partial void LogGpioCommand(ILogger logger, int pin, string command);
}
