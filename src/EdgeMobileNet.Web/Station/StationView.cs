using System.Device.Gpio;
using System.Security.Cryptography;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using EdgeMobileNet.Web.Api;
using EdgeMobileNet.Web.Feed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Station;

/// <summary>The web side's window on the station: its shared <see cref="RunState"/> (counters, health), its
/// settings, the model in use and the GPIO pins; and, with the simulated driver, the commissioning actions.</summary>
internal sealed class StationView : IStationView
{
    private readonly StationOptions _station;
    private readonly TriggerOptions _trigger;
    private readonly IReadOnlyList<OutputOptions> _outputs;
    private readonly GpioOptions _gpio;
    private readonly MqttOptions _mqtt;
    private readonly RunState _run;
    private readonly GpioController _controller;
    private readonly SimulatedGpioDriver? _simulated;
    private readonly TimeProvider _time;
    private readonly Lazy<ModelDto> _model;
    private readonly EdgeMobileNet.Station.Pipeline.Inspector _inspector;
    private readonly PinWatch _pins;
    private readonly HashSet<ITimer> _pulses = [];

    public StationView(IServiceProvider services)
    {
        _station = Get<StationOptions>(services);
        _trigger = Get<TriggerOptions>(services);
        _outputs = Get<OutputsOptions>(services).Items;
        _gpio = Get<GpioOptions>(services);
        _mqtt = Get<MqttOptions>(services);
        _run = services.GetRequiredService<RunState>();
        _controller = services.GetRequiredService<GpioController>();
        _simulated = services.GetRequiredService<SimulatedGpio>().Driver;
        _time = services.GetRequiredService<TimeProvider>();
        var model = Get<ModelOptions>(services);
        var classifier = services.GetRequiredService<FrameClassifier>();
        _model = new Lazy<ModelDto>(() => ReadModel(model, classifier));
        _inspector = services.GetRequiredService<EdgeMobileNet.Station.Pipeline.Inspector>();
        _pins = new PinWatch(_time);
        Roi = RegionOfInterest(Get<SourceOptions>(services), model, classifier.Classifier.Input);
    }

    public string StationId => _station.Id;

    public string RunId => _run.RunId;

    public bool Commissioning => _simulated is not null;

    /// <summary>Where the model's input comes from in a frame of a given size.</summary>
    public Func<int, int, Region> Roi { get; }

    public HealthDto Health()
    {
        var h = _run.Health.Current;
        string[] reasons = h.Status == HealthStatus.Fault && h.Reason is { } r ? [r] : [.. h.Reasons];
        return new HealthDto(h.StatusName, reasons);
    }

    public CountersDto Counters()
    {
        var c = _run.Counters;
        return new CountersDto(
            c.Frames,
            c.Classified,
            c.Dropped,
            c.Triggers,
            c.EventsDropped,
            new VerdictCountsDto(c.ForVerdict(Verdict.Pass), c.ForVerdict(Verdict.Reject), c.ForVerdict(Verdict.Unknown)));
    }

    public MqttDto Mqtt()
    {
        var m = _mqtt;
        var broker = m.Host.Length > 0 ? $"{m.Host}:{m.Port}" : $"embedded 127.0.0.1:{m.Port}";
        // The publisher raises its health condition while the broker is unreachable.
        var state = _run.Health.Current.Status;
        var connected = m.Enabled && state is HealthStatus.Running or HealthStatus.Degraded && !_run.Health.IsRaised(MqttPublisherService.BrokerCondition);
        var backlog = _run.Backlog;
        return new MqttDto(m.Enabled, connected, broker, backlog.Count, _run.Counters.EventsDropped, backlog.Bytes, backlog.OldestAgeSeconds);
    }

    /// <summary>The model classifying now (a deployment replaces it at run time).</summary>
    public ModelDto Model()
    {
        var start = _model.Value;
        var active = _inspector.Active;
        if (active.Info.Sha256 == start.Sha256)
        {
            return start;
        }

        var c = active.Classifier;
        return new ModelDto(Path.GetFileName(active.Info.Path), active.Info.Sha256, c.Classifier.Engine, c.Classifier.Input.Width, c.Classifier.Input.Height, [.. c.Labels]);
    }

    public TriggerDto Trigger() => _trigger.Kind == TriggerKind.Gpio
        ? new TriggerDto("gpio", _trigger.Pin, _trigger.Edge == TriggerEdge.Rising ? "rising" : "falling")
        : new TriggerDto(_trigger.Kind == TriggerKind.Mqtt ? "mqtt" : "continuous", null, null);

    public GpioDto Gpio()
    {
        var history = _simulated?.History;
        var pins = new List<PinDto>();
        if (_trigger.Kind == TriggerKind.Gpio)
        {
            var t = _trigger;
            var level = Level(t.Pin);
            var rising = t.Edge == TriggerEdge.Rising;
            pins.Add(Pin(t.Pin, "trigger", $"input, {(rising ? "rising" : "falling")} edge, pull {t.Pull.ToString().ToLowerInvariant()}", level, active: rising == (level == 1), history));
        }

        foreach (var o in _outputs)
        {
            var level = Level(o.Pin);
            var verdict = o.Verdict.Name();
            var detail = o.Mode == OutputMode.Level ? $"{verdict} lamp (level)" : $"{verdict} pulse {o.PulseMs} ms after {o.DelayMs} ms";
            pins.Add(Pin(o.Pin, "output", detail + (o.ActiveLow ? ", active low" : ""), level, active: o.ActiveLow ? level == 0 : level == 1, history));
        }

        return new GpioDto(Commissioning ? "simulated" : $"libgpiod chip {_gpio.Chip}", Commissioning, [.. pins]);
    }

    public async Task<bool> FireTriggerAsync(CancellationToken cancellationToken)
    {
        if (_simulated is not { } driver || _trigger.Kind != TriggerKind.Gpio)
        {
            return false;
        }

        var rising = _trigger.Edge == TriggerEdge.Rising;
        driver.SetInput(_trigger.Pin, rising ? PinValue.High : PinValue.Low);
        // Held past the debounce time, as a light barrier would be by a passing part.
        await Task.Delay(TimeSpan.FromMilliseconds(_trigger.DebounceMs + 20), _time, CancellationToken.None).ConfigureAwait(false);
        driver.SetInput(_trigger.Pin, rising ? PinValue.Low : PinValue.High);
        return true;
    }

    public Task<bool> PulseAsync(int pin, int ms, CancellationToken cancellationToken)
    {
        var output = _outputs.FirstOrDefault(o => o.Pin == pin);
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
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        lock (_pulses)
        {
            // Referenced until it fires (an unreferenced timer may be collected first).
            _pulses.Add(timer);
        }

        timer.Change(TimeSpan.FromMilliseconds(ms), Timeout.InfiniteTimeSpan);
        return Task.FromResult(true);
    }

    /// <summary>`Source:Rotate` and `Source:Roi` pick the part of the frame that is classified, and preprocessing
    /// takes its centre crop (`Model:ResizeRatio`); this maps that crop back onto the camera frame.</summary>
    internal static Func<int, int, Region> RegionOfInterest(SourceOptions source, ModelOptions model, EdgeMobileNet.Inference.ModelInputInfo input)
    {
        var rotate = source.Rotate;
        var roi = source.Roi;
        return (width, height) =>
        {
            var (turnedW, turnedH) = rotate is 90 or 270 ? (height, width) : (width, height);
            var (x, y, w, h) = roi.IsWholeFrame ? (0, 0, turnedW, turnedH) : (roi.X, roi.Y, roi.Width, roi.Height);
            var g = ResizeGeometry.For(w, h, ResizeGeometry.ShortSideFor(input.Width, input.Height, model.ResizeRatio), input.Width, input.Height);
            var sx = (double)w / g.ResizedWidth;
            var sy = (double)h / g.ResizedHeight;
            var cx = x + (int)Math.Round(g.CropX * sx);
            var cy = y + (int)Math.Round(g.CropY * sy);
            var cw = (int)Math.Round(g.CropWidth * sx);
            var ch = (int)Math.Round(g.CropHeight * sy);
            return rotate switch
            {
                90 => new Region(cy, height - cx - cw, ch, cw),
                180 => new Region(width - cx - cw, height - cy - ch, cw, ch),
                270 => new Region(width - cy - ch, cx, ch, cw),
                _ => new Region(cx, cy, cw, ch),
            };
        };
    }

    private int Level(int pin)
    {
        if (_simulated is { } driver)
        {
            return driver.Level(pin) == PinValue.High ? 1 : 0;
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

    private PinDto Pin(int pin, string role, string detail, int level, bool active, IReadOnlyList<PinChange>? history)
    {
        DateTimeOffset? last = _pins.Observe(pin, level);
        if (history?.LastOrDefault(c => c.Pin == pin) is { Timestamp: > 0 } change)
        {
            // The simulated driver records every output change, even a pulse shorter than the page's refresh.
            last = _time.GetUtcNow() - _time.GetElapsedTime(change.Timestamp);
        }

        return new PinDto(pin, role, detail, level, active, last);
    }

    private static ModelDto ReadModel(ModelOptions model, FrameClassifier classifier)
    {
        string sha;
        using (var stream = File.OpenRead(model.Path))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        var input = classifier.Classifier.Input;
        return new ModelDto(Path.GetFileName(model.Path), sha, classifier.Classifier.Engine, input.Width, input.Height, [.. classifier.Labels]);
    }

    private static T Get<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceProvider services)
        where T : class => services.GetRequiredService<IOptions<T>>().Value;

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
