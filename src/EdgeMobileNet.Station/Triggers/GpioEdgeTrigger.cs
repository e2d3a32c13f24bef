using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>
/// A sensor or switch on an input pin. A burst of transitions ends when the level has held for <c>DebounceMs</c>;
/// that level is then compared with the last stable one, so contact bounce on both closing and opening gives exactly
/// one trigger per real edge. The trigger is stamped with the first transition of the burst. Timing comes from the
/// transition timestamps, not from when the timer runs, so a late timer never merges a release into the next press.
/// </summary>
internal sealed class GpioEdgeTrigger : IDisposable
{
    private readonly Lock _gate = new();
    private readonly GpioController _controller;
    private readonly TriggerQueue _queue;
    private readonly TimeProvider _time;
    private readonly int _pin;
    private readonly PinValue _target;
    private readonly TimeSpan _debounce;
    private readonly PinMode _mode;
    private ITimer? _timer;
    private PinValue _stable;
    private PinValue _level;
    private bool _inBurst;
    private long _burstStart;
    private long _lastChange;

    public GpioEdgeTrigger(GpioController controller, TriggerOptions options, TriggerQueue queue, TimeProvider time)
    {
        _controller = controller;
        _queue = queue;
        _time = time;
        _pin = options.Pin;
        _target = options.Edge == TriggerEdge.Rising ? PinValue.High : PinValue.Low;
        _debounce = TimeSpan.FromMilliseconds(options.DebounceMs);
        _mode = options.Pull switch
        {
            PinPull.Up => PinMode.InputPullUp,
            PinPull.Down => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
    }

    public void Start()
    {
        _controller.OpenPin(_pin, _mode);
        _stable = _level = _controller.Read(_pin);
        _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _controller.RegisterCallbackForPinValueChangedEvent(_pin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
    }

    public void Dispose()
    {
        if (_timer is null)
        {
            return;
        }

        try
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_pin, OnEdge);
        }
        catch (InvalidOperationException)
        {
            // The pin is already closed with its controller.
        }

        _timer.Dispose();
        _timer = null;
    }

    private void OnEdge(object sender, PinValueChangedEventArgs e)
    {
        var now = _time.GetTimestamp();
        var level = e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low;
        long? fire = null;
        lock (_gate)
        {
            if (_debounce == TimeSpan.Zero)
            {
                fire = level != _stable && level == _target ? now : null;
                _stable = level;
            }
            else
            {
                // A level that held for the debounce time counts even if the timer ran late (a busy machine):
                // settle it now, before this transition starts the next burst.
                if (_inBurst && _time.GetElapsedTime(_lastChange, now) >= _debounce)
                {
                    fire = Settle();
                }

                if (!_inBurst)
                {
                    _inBurst = true;
                    _burstStart = now;
                }

                _level = level;
                _lastChange = now;
                _timer?.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }

        if (fire is { } stamp)
        {
            _queue.Fire("gpio", stamp);
        }
    }

    private void OnTimer()
    {
        long? fire = null;
        lock (_gate)
        {
            if (!_inBurst)
            {
                return;
            }

            var quiet = _time.GetElapsedTime(_lastChange);
            if (quiet < _debounce)
            {
                _timer?.Change(_debounce - quiet, Timeout.InfiniteTimeSpan);
                return;
            }

            fire = Settle();
        }

        if (fire is { } stamp)
        {
            _queue.Fire("gpio", stamp);
        }
    }

    /// <summary>Ends the burst: the last level is now stable. Returns the burst's start when that is a trigger edge.</summary>
    private long? Settle()
    {
        _inBurst = false;
        if (_level == _stable)
        {
            return null; // a glitch that came back
        }

        _stable = _level;
        return _stable == _target ? _burstStart : null;
    }
}
