using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>
/// Labelling without a screen: two push buttons (`Capture:GoodPin`, `Capture:DefectPin`; wired to ground, internal
/// pull-up) file the newest inbox capture into `Capture:GoodClass` or `Capture:DefectClass`. A press is a falling
/// edge; edges within <see cref="Debounce"/> of the last press are contact bounce and ignored. Works on libgpiod and
/// on the simulated driver (`cmd/gpio/&lt;pin&gt;` pulse).
/// </summary>
internal sealed partial class LabelButtons : IHostedService
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);
    private readonly GpioController _controller;
    private readonly DatasetStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<LabelButtons> _logger;
    private readonly Dictionary<int, (string Class, long LastPress)> _buttons = [];
    private readonly List<(int Pin, PinChangeEventHandler Handler)> _registered = [];

    public LabelButtons(
        GpioController controller,
        DatasetStore store,
        IOptions<CaptureOptions> options,
        TimeProvider time,
        ILogger<LabelButtons> logger)
    {
        _controller = controller;
        _store = store;
        _time = time;
        _logger = logger;
        var o = options.Value;
        // Pins checked at start (CaptureOptionsValidator): in range, not the trigger input, not an output.
        foreach (var (pin, cls) in new[] { (o.GoodPin, o.GoodClass), (o.DefectPin, o.DefectClass) })
        {
            if (pin < 0)
            {
                continue;
            }

            _buttons[pin] = (cls, long.MinValue);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var pin in _buttons.Keys)
        {
            _controller.OpenPin(pin, PinMode.InputPullUp);
            PinChangeEventHandler handler = (_, e) => Pressed(e.PinNumber);
            _controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Falling, handler);
            _registered.Add((pin, handler));
            LogButton(_logger, pin, _buttons[pin].Class);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (pin, handler) in _registered)
        {
            try
            {
                _controller.UnregisterCallbackForPinValueChangedEvent(pin, handler);
            }
            catch (InvalidOperationException)
            {
                // The controller already closed the pin.
            }
        }

        _registered.Clear();
        return Task.CompletedTask;
    }

    private void Pressed(int pin)
    {
        string cls;
        lock (_buttons)
        {
            var (c, last) = _buttons[pin];
            var now = _time.GetTimestamp();
            if (last != long.MinValue && _time.GetElapsedTime(last, now) < Debounce)
            {
                return;
            }

            _buttons[pin] = (c, now);
            cls = c;
        }

        if (_store.LabelNewest(cls) is { } id)
        {
            LogLabelled(_logger, pin, id, cls);
        }
        else
        {
            LogNothing(_logger, pin, cls);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Label button on pin {Pin}: files the newest capture as {Class}")]
    private static partial void LogButton(ILogger logger, int pin, string @class);

    [LoggerMessage(Level = LogLevel.Information, Message = "Label button on pin {Pin}: capture {Id} filed as {Class}")]
    private static partial void LogLabelled(ILogger logger, int pin, string id, string @class);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Label button on pin {Pin} ({Class}): the inbox is empty, nothing labelled")]
    private static partial void LogNothing(ILogger logger, int pin, string @class);
}
