using System.Device.Gpio;
using System.Security.Cryptography;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Web.Api;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Station;

/// <summary>The web side's window on the station's shared state (counters, health, MQTT, GPIO, model).</summary>
internal sealed class StationView : IStationView
{
    private readonly StationOptions _options;
    private readonly StationCounters _counters;
    private readonly StationState _state;
    private readonly IEventOutbox _outbox;
    private readonly GpioController _controller;
    private readonly SimulatedGpioDriver _simulated;
    private readonly TimeProvider _time;
    private readonly Lazy<ModelDto> _model;
    private readonly PinWatch _pins;
    private readonly HashSet<ITimer> _pulses = [];

    public StationView(
        IOptions<StationOptions> options,
        StationCounters counters,
        StationState state,
        IEventOutbox outbox,
        GpioController controller,
        SimulatedGpioDriver simulated,
        TimeProvider time)
    {
        _options = options.Value;
        _counters = counters;
        _state = state;
        _outbox = outbox;
        _controller = controller;
        _simulated = simulated;
        _time = time;
        Commissioning = _options.Gpio.Driver == "simulated" || (_options.Gpio.Driver == "auto" && !GpioControllerFactory.HasGpioChip());
        _model = new Lazy<ModelDto>(ReadModel);
        _pins = new PinWatch(time);
    }

    public string StationId => _options.Station.Id;

    public string RunId => _state.RunId;

    public bool Commissioning { get; }

    public HealthDto Health() => new(_state.ExitCode == 0 ? "running" : "fault", _state.ExitCode == 0 ? [] : ["pipeline fault"]);

    public CountersDto Counters() => new(
        _counters.Frames,
        _counters.Classified,
        _counters.Dropped,
        _counters.Triggers,
        _counters.EventsDropped,
        new VerdictCountsDto(
            _counters.ForVerdict(EdgeMobileNet.Station.Decisions.Verdict.Pass),
            _counters.ForVerdict(EdgeMobileNet.Station.Decisions.Verdict.Reject),
            _counters.ForVerdict(EdgeMobileNet.Station.Decisions.Verdict.Unknown)));

    public MqttDto Mqtt()
    {
        var m = _options.Mqtt;
        var broker = m.Host.Length > 0 ? $"{m.Host}:{m.Port}" : $"embedded 127.0.0.1:{m.Port}";
        return new MqttDto(m.Enabled, false, broker, m.Enabled ? _outbox.Count : 0, _counters.EventsDropped);
    }

    public ModelDto Model() => _model.Value;

    public TriggerDto Trigger()
    {
        var t = _options.Trigger;
        return t.Kind == "gpio" ? new TriggerDto(t.Kind, t.Pin, t.Edge) : new TriggerDto(t.Kind, null, null);
    }

    public GpioDto Gpio()
    {
        var pins = new List<PinDto>();
        if (_options.Trigger.Kind == "gpio")
        {
            var t = _options.Trigger;
            var level = Level(t.Pin);
            pins.Add(Pin(t.Pin, "trigger", $"input, {t.Edge} edge, pull {t.Pull}", level, active: (t.Edge == "rising") == (level == 1)));
        }

        foreach (var o in _options.Outputs)
        {
            var level = Level(o.Pin);
            var detail = o.Mode == "level" ? $"{o.Verdict} lamp (level)" : $"{o.Verdict} pulse {o.PulseMs} ms after {o.DelayMs} ms";
            pins.Add(Pin(o.Pin, "output", detail + (o.ActiveLow ? ", active low" : ""), level, active: o.ActiveLow ? level == 0 : level == 1));
        }

        return new GpioDto(Commissioning ? "simulated" : $"libgpiod chip {_options.Gpio.Chip}", Commissioning, [.. pins]);
    }

    public async Task<bool> FireTriggerAsync(CancellationToken cancellationToken)
    {
        var t = _options.Trigger;
        if (!Commissioning || t.Kind != "gpio")
        {
            return false;
        }

        var active = t.Edge == "rising" ? PinValue.High : PinValue.Low;
        var rest = t.Edge == "rising" ? PinValue.Low : PinValue.High;
        _simulated.SetInput(t.Pin, active);
        // Held past the debounce time, as a light barrier would be by a passing part.
        await Task.Delay(TimeSpan.FromMilliseconds(t.DebounceMs + 20), _time, cancellationToken).ConfigureAwait(false);
        _simulated.SetInput(t.Pin, rest);
        return true;
    }

    public Task<bool> PulseAsync(int pin, int ms, CancellationToken cancellationToken)
    {
        var output = _options.Outputs.FirstOrDefault(o => o.Pin == pin);
        if (!Commissioning || output is null || !_controller.IsPinOpen(pin))
        {
            return Task.FromResult(false);
        }

        // Answered at once; the pin goes back to the level it had when the pulse ends.
        var before = _controller.Read(pin);
        _controller.Write(pin, output.ActiveLow ? PinValue.Low : PinValue.High);
        ITimer? timer = null;
        timer = _time.CreateTimer(
            _ =>
            {
                _controller.Write(pin, before);
                lock (_pulses)
                {
                    _pulses.Remove(timer!);
                }

                timer?.Dispose();
            },
            null,
            TimeSpan.FromMilliseconds(ms),
            Timeout.InfiniteTimeSpan);
        lock (_pulses)
        {
            // Referenced until it fires (an unreferenced timer may be collected first).
            _pulses.Add(timer);
        }

        return Task.FromResult(true);
    }

    private int Level(int pin)
    {
        if (Commissioning)
        {
            return _simulated.Level(pin) == PinValue.High ? 1 : 0;
        }

        try
        {
            return _controller.IsPinOpen(pin) && _controller.Read(pin) == PinValue.High ? 1 : 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            return 0;
        }
    }

    private PinDto Pin(int pin, string role, string detail, int level, bool active)
    {
        DateTimeOffset? last;
        if (Commissioning)
        {
            var history = _simulated.History;
            var change = history.LastOrDefault(c => c.Pin == pin);
            last = change.Timestamp == 0 ? _pins.Observe(pin, level) : _time.GetUtcNow() - _time.GetElapsedTime(change.Timestamp);
        }
        else
        {
            last = _pins.Observe(pin, level);
        }

        return new PinDto(pin, role, detail, level, active, last);
    }

    private ModelDto ReadModel()
    {
        var m = _options.Model;
        string sha;
        using (var stream = File.OpenRead(m.Path))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        string[] labels = m.LabelList.Count > 0 ? [.. m.LabelList]
            : m.Labels.Length > 0 && File.Exists(m.Labels) ? [.. File.ReadAllLines(m.Labels).Where(l => l.Length > 0)]
            : [];
        return new ModelDto(Path.GetFileName(m.Path), sha, m.Engine, 0, 0, labels);
    }

    /// <summary>Level changes seen by reading the pins (hardware drivers report no output changes).</summary>
    private sealed class PinWatch(TimeProvider time)
    {
        private readonly Dictionary<int, (int Level, DateTimeOffset? Since)> _seen = [];

        public DateTimeOffset? Observe(int pin, int level)
        {
            lock (_seen)
            {
                if (!_seen.TryGetValue(pin, out var s))
                {
                    _seen[pin] = (level, null);
                    return null;
                }

                if (s.Level != level)
                {
                    _seen[pin] = (level, time.GetUtcNow());
                }

                return _seen[pin].Since;
            }
        }
    }
}
