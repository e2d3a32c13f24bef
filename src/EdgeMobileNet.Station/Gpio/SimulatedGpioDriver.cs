using System.Device.Gpio;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>One change of a simulated pin: when (a <see cref="TimeProvider"/> timestamp), which pin, new level.</summary>
public readonly record struct PinChange(long Timestamp, int Pin, PinValue Value);

/// <summary>
/// A <see cref="GpioDriver"/> without hardware, plugged in behind <see cref="GpioController"/> like any real driver.
/// Outputs are recorded with timestamps; inputs are set from outside (tests, the demo), with optional contact bounce,
/// and raise the same edge callbacks a real chip would.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _pinCount;
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly List<(int Pin, PinEventTypes Events, PinChangeEventHandler Handler)> _callbacks = [];
    private readonly List<PinChange> _history = [];

    public SimulatedGpioDriver(TimeProvider time, int pinCount = 28)
    {
        _time = time;
        _pinCount = pinCount;
    }

    /// <summary>Raised after any pin changed level (an output written, an input set), outside the driver's lock.</summary>
    public event Action<PinChange>? PinChanged;

    /// <summary>Every level change of an output pin, in order.</summary>
    public IReadOnlyList<PinChange> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    public PinValue Level(int pin)
    {
        lock (_gate)
        {
            return _values.TryGetValue(pin, out var v) ? v : PinValue.Low;
        }
    }

    /// <summary>Sets an input pin as an external circuit would, raising edge callbacks when the level changes.</summary>
    public void SetInput(int pin, PinValue value)
    {
        PinEventTypes edge;
        PinChangeEventHandler[] handlers;
        lock (_gate)
        {
            var old = _values.TryGetValue(pin, out var v) ? v : PinValue.Low;
            if (old == value)
            {
                return;
            }

            _values[pin] = value;
            edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = [.. _callbacks.Where(c => c.Pin == pin && (c.Events & edge) != 0).Select(c => c.Handler)];
        }

        PinChanged?.Invoke(new PinChange(_time.GetTimestamp(), pin, value));
        var args = new PinValueChangedEventArgs(edge, pin);
        foreach (var handler in handlers)
        {
            handler(this, args);
        }
    }

    /// <summary>Drives an input to <paramref name="final"/> with <paramref name="bounces"/> extra back-and-forth
    /// transitions <paramref name="bounceInterval"/> apart first, like a mechanical contact closing.</summary>
    public async Task BounceToAsync(int pin, PinValue final, int bounces, TimeSpan bounceInterval, CancellationToken cancellationToken = default)
    {
        var other = final == PinValue.High ? PinValue.Low : PinValue.High;
        for (var i = 0; i < bounces; i++)
        {
            SetInput(pin, final);
            await PauseAsync(bounceInterval, cancellationToken).ConfigureAwait(false);
            SetInput(pin, other);
            await PauseAsync(bounceInterval, cancellationToken).ConfigureAwait(false);
        }

        SetInput(pin, final);
    }

    protected override int PinCount => _pinCount;

    private Task PauseAsync(TimeSpan interval, CancellationToken cancellationToken) =>
        interval > TimeSpan.Zero ? Task.Delay(interval, _time, cancellationToken) : Task.CompletedTask;

    protected override void OpenPin(int pinNumber) => CheckPin(pinNumber);

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            _modes.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            _modes[pinNumber] = mode;
            if (!_values.ContainsKey(pinNumber))
            {
                // An unconnected input rests at its pull level.
                _values[pinNumber] = mode == PinMode.InputPullUp ? PinValue.High : PinValue.Low;
            }
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return _modes.TryGetValue(pinNumber, out var mode) ? mode : PinMode.Input;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        CheckPin(pinNumber);
        PinChange change;
        lock (_gate)
        {
            change = new PinChange(_time.GetTimestamp(), pinNumber, value);
            _values[pinNumber] = value;
            _history.Add(change);
        }

        PinChanged?.Invoke(change);
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        using var signal = new ManualResetEventSlim();
        var result = new WaitForEventResult { TimedOut = true };
        void Handler(object sender, PinValueChangedEventArgs e)
        {
            result = new WaitForEventResult { EventTypes = e.ChangeType, TimedOut = false };
            signal.Set();
        }

        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, Handler);
        try
        {
            signal.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // A cancelled wait reports a timeout, as the hardware drivers do.
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, Handler);
        }

        return result;
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            _callbacks.Add((pinNumber, eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Handler == callback);
        }
    }

    private void CheckPin(int pinNumber)
    {
        if (pinNumber < 0 || pinNumber >= _pinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"simulated GPIO has pins 0..{_pinCount - 1}");
        }
    }
}
