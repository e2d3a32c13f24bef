using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>
/// The verdict outputs. A pulse output fires <c>DelayMs</c> after the trigger (the reject gate sits downstream of the
/// camera) for <c>PulseMs</c>; a level output shows whether the current verdict is its verdict. The safe level is the
/// inactive level, driven at start, on stop and on any fault. Overlapping pulses on one pin merge (the pin stays
/// active until the last one ends). With <c>logChanges</c> (the simulated driver) every level change is logged at
/// Information with its pin and reason, so outputs can be commissioned without hardware.
/// </summary>
internal sealed partial class OutputBank : IDisposable
{
    private static readonly TimeSpan SpinLimit = TimeSpan.FromMilliseconds(2);
    private readonly Lock _gate = new();
    private readonly GpioController _controller;
    private readonly TimeProvider _time;
    private readonly LatencyStats _latency;
    private readonly OutputPin[] _outputs;
    private readonly HashSet<ITimer> _timers = [];
    private readonly ILogger? _changes;
    private bool _safe = true;
    private bool _disabled;

    public OutputBank(GpioController controller, IReadOnlyList<OutputOptions> outputs, TimeProvider time, LatencyStats latency, ILogger? logChanges = null)
    {
        _controller = controller;
        _time = time;
        _latency = latency;
        _changes = logChanges;
        _outputs = [.. outputs.Select(o => new OutputPin(o.Pin, o.Verdict, o.Mode == OutputMode.Level, o.PulseMs, o.DelayMs, o.ActiveLow))];
    }

    /// <summary>Opens every output pin at its safe level.</summary>
    public void Open()
    {
        foreach (var output in _outputs)
        {
            // Opening with an initial value drives the pin before it becomes an output: no glitch to the active level.
            _controller.OpenPin(output.Pin, PinMode.Output, output.Inactive);
        }

        lock (_gate)
        {
            _safe = false;
        }
    }

    /// <summary>Acts on one verdict. <paramref name="triggerTimestamp"/> is when the part was seen.</summary>
    public void Apply(Verdict verdict, long triggerTimestamp)
    {
        lock (_gate)
        {
            if (_safe || _disabled)
            {
                return;
            }

            foreach (var output in _outputs)
            {
                if (output.IsLevel)
                {
                    Drive(output, output.Verdict == verdict, verdict);
                    if (output.Verdict == verdict)
                    {
                        _latency.AddOutput(_time.GetElapsedTime(triggerTimestamp).TotalMilliseconds);
                    }

                    continue;
                }

                if (output.Verdict != verdict)
                {
                    continue;
                }

                var due = triggerTimestamp + Ticks(output.DelayMs);
                if (_time.GetTimestamp() >= due)
                {
                    StartPulse(output, triggerTimestamp);
                }
                else
                {
                    Schedule(due, () => StartPulse(output, triggerTimestamp));
                }
            }
        }
    }

    /// <summary>Cancels pending pulses and drives every output to its safe level; idempotent.</summary>
    public void DriveSafe()
    {
        lock (_gate)
        {
            _safe = true;
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
            foreach (var output in _outputs)
            {
                output.ActivePulses = 0;
                if (TryWrite(output.Pin, output.Inactive) && output.Current != output.Inactive && _changes is not null)
                {
                    LogChange(_changes, output.Pin, output.Inactive == PinValue.High ? "high" : "low", "safe level");
                }

                output.Current = output.Inactive;
            }
        }
    }

    /// <summary>Disabled (`cmd/set` `{"outputs":false}`): pending pulses are cancelled, every output goes to its
    /// safe level and verdicts leave them there until enabled again. Unlike <see cref="DriveSafe"/> this can be undone.</summary>
    public void SetEnabled(bool enabled)
    {
        lock (_gate)
        {
            _disabled = !enabled;
            if (enabled || _safe)
            {
                return;
            }

            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
            foreach (var output in _outputs)
            {
                output.ActivePulses = 0;
                Drive(output, active: false, Verdict.Unknown, "outputs disabled");
            }
        }
    }

    public void Dispose() => DriveSafe();

    private void StartPulse(OutputPin output, long triggerTimestamp)
    {
        lock (_gate)
        {
            if (_safe || _disabled)
            {
                return;
            }

            _latency.AddOutput(_time.GetElapsedTime(triggerTimestamp).TotalMilliseconds - output.DelayMs);
            output.ActivePulses++;
            Drive(output, active: true, output.Verdict, "pulse start");
            Schedule(_time.GetTimestamp() + Ticks(output.PulseMs), () => EndPulse(output));
        }
    }

    private void EndPulse(OutputPin output)
    {
        lock (_gate)
        {
            if (_safe || output.ActivePulses == 0)
            {
                return;
            }

            if (--output.ActivePulses == 0)
            {
                Drive(output, active: false, output.Verdict, "pulse end");
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> at the <see cref="TimeProvider"/> timestamp <paramref name="due"/>.
    /// System timers have millisecond granularity and may fire a little early; a gate pulse must not, so an early
    /// timer re-arms, and the last sub-2 ms are spun out on the real clock.</summary>
    private void Schedule(long due, Action action)
    {
        ITimer? timer = null;
        timer = _time.CreateTimer(
            _ =>
            {
                var remaining = -_time.GetElapsedTime(due);
                lock (_gate)
                {
                    if (timer is null || !_timers.Contains(timer))
                    {
                        return;
                    }

                    if (remaining > TimeSpan.Zero && (remaining >= SpinLimit || !ReferenceEquals(_time, TimeProvider.System)))
                    {
                        timer.Change(remaining, Timeout.InfiniteTimeSpan);
                        return;
                    }

                    _timers.Remove(timer);
                    timer.Dispose();
                }

                var spin = new SpinWait();
                while (_time.GetTimestamp() < due)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                action();
            },
            null,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        _timers.Add(timer);
        var delay = -_time.GetElapsedTime(due);
        timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private long Ticks(int milliseconds) => milliseconds * _time.TimestampFrequency / 1000;

    private void Drive(OutputPin output, bool active, Verdict verdict, string what = "level output")
    {
        var level = active ? output.Active : output.Inactive;
        if (output.Current != level)
        {
            output.Current = level;
            _controller.Write(output.Pin, level);
            if (_changes is not null)
            {
                LogChange(_changes, output.Pin, level == PinValue.High ? "high" : "low", $"{what}, verdict {verdict.Name()}");
            }
        }
    }

    private bool TryWrite(int pin, PinValue value)
    {
        try
        {
            if (_controller.IsPinOpen(pin))
            {
                _controller.Write(pin, value);
                return true;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            // Reaching the safe level is best effort once the controller is gone.
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "GPIO output pin {Pin} -> {Level} ({Reason})")]
    private static partial void LogChange(ILogger logger, int pin, string level, string reason);
}
