using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>
/// A sensor or switch on an input pin. Debounce waits until the level has been stable for <c>DebounceMs</c> and
/// then compares it with the last stable level, so contact bounce on both closing and opening gives exactly one
/// trigger per real edge; the trigger is stamped with the first transition of the burst.
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
    private bool _inBurst;
    private long _burstStart;

    public GpioEdgeTrigger(GpioController controller, TriggerSection options, TriggerQueue queue, TimeProvider time)
    {
        _controller = controller;
        _queue = queue;
        _time = time;
        _pin = options.Pin;
        _target = options.Edge == "rising" ? PinValue.High : PinValue.Low;
        _debounce = TimeSpan.FromMilliseconds(options.DebounceMs);
        _mode = options.Pull switch
        {
            "up" => PinMode.InputPullUp,
            "down" => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
    }

    public void Start()
    {
        _controller.OpenPin(_pin, _mode);
        _stable = _controller.Read(_pin);
        _timer = _time.CreateTimer(_ => Settled(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
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
        if (_debounce == TimeSpan.Zero)
        {
            var level = e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low;
            bool fire;
            lock (_gate)
            {
                fire = level != _stable && level == _target;
                _stable = level;
            }

            if (fire)
            {
                _queue.Fire("gpio", now);
            }

            return;
        }

        lock (_gate)
        {
            if (!_inBurst)
            {
                _inBurst = true;
                _burstStart = now;
            }

            _timer?.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void Settled()
    {
        var level = _controller.Read(_pin);
        long start;
        lock (_gate)
        {
            _inBurst = false;
            if (level == _stable)
            {
                return;
            }

            _stable = level;
            start = _burstStart;
        }

        if (level == _target)
        {
            _queue.Fire("gpio", start);
        }
    }
}
