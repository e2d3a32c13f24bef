using System.Text.RegularExpressions;
using EdgeMobileNet.Inference;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Configuration;

// Start-up checks of each section. Upper bounds keep a typo from turning into an absurd resource use (100 000
// threads, a state message every nanosecond, a timeout that overflows).

internal sealed partial class StationOptionsValidator : IValidateOptions<StationOptions>
{
    public ValidateOptionsResult Validate(string? name, StationOptions o)
    {
        var p = new Problems();
        if (!StationId().IsMatch(o.Id))
        {
            p.Add("Station:Id", $"'{o.Id}' must be 1-64 letters, digits, '-' or '_' (it is part of MQTT topics)");
        }

        p.Range("Station:MaxFrames", o.MaxFrames, 0, long.MaxValue);
        p.Range("Station:NoFramesSeconds", o.NoFramesSeconds, 0.1, 86_400);
        return p.Result();
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex StationId();
}

internal sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    /// <summary>Far above any board's core count; beyond it a thread pool only costs memory.</summary>
    public const int MaxThreads = 64;

    public ValidateOptionsResult Validate(string? name, ModelOptions o)
    {
        var p = new Problems();
        if (string.IsNullOrWhiteSpace(o.Path))
        {
            p.Add("Model:Path", "no model file configured (or run with --demo)");
        }
        else
        {
            p.FileExists("Model:Path", o.Path);
        }

        if (o.LabelList.Count == 0)
        {
            p.FileExists("Model:Labels", o.Labels);
        }

        if (!ClassifierFactory.Engines.Contains(o.Engine))
        {
            p.Add("Model:Engine", $"unknown engine '{o.Engine}' (expected one of: {string.Join(", ", ClassifierFactory.Engines)})");
        }

        p.Range("Model:Threads", o.Threads, 1, MaxThreads);
        p.Range("Model:TopK", o.TopK, 1, 1000);
        p.Range("Model:ResizeRatio", o.ResizeRatio, 1, 4);
        Channels(p, "Model:Mean", o.Mean, 0, 1);
        Channels(p, "Model:Std", o.Std, 1e-6, 10);
        p.Range("Model:DownloadMaxMegabytes", o.DownloadMaxMegabytes, 1, 4096);
        p.Range("Model:DownloadTimeoutSeconds", o.DownloadTimeoutSeconds, 1, 86_400);
        return p.Result();
    }

    private static void Channels(Problems p, string key, List<float> values, double min, double max)
    {
        if (values.Count is not (0 or 3))
        {
            p.Add(key, $"needs 3 values (R, G, B), got {values.Count}");
        }

        for (var i = 0; i < values.Count; i++)
        {
            p.Range($"{key}:{i}", values[i], min, max);
        }
    }
}

internal sealed class SourceOptionsValidator : IValidateOptions<SourceOptions>
{
    public ValidateOptionsResult Validate(string? name, SourceOptions o)
    {
        var p = new Problems();
        p.Range("Source:Width", o.Width, 8, 8192);
        p.Range("Source:Height", o.Height, 8, 8192);
        p.Range("Source:Rate", o.Rate, 0.01, 1000, zeroAllowed: true);
        p.Range("Source:FramesPerPart", o.FramesPerPart, 1, 100_000);
        p.Range("Source:RestartMinMs", o.RestartMinMs, 1, 600_000);
        p.Range("Source:RestartMaxMs", o.RestartMaxMs, Math.Max(1, o.RestartMinMs), 600_000);
        p.Range("Source:StallTimeoutMs", o.StallTimeoutMs, 0, 600_000);
        if (o.Stride != 0 && o.Stride < Vision.StridedFrame.MinStride(o.PixelFormat, o.Width))
        {
            p.Add("Source:Stride", $"{o.Stride} bytes is less than a row of {o.Width} {o.PixelFormat} pixels ({Vision.StridedFrame.MinStride(o.PixelFormat, o.Width)})");
        }

        p.Range("Source:Stride", o.Stride, 0, 65_536);
        if (o.Rotate is not (0 or 90 or 180 or 270))
        {
            p.Add("Source:Rotate", $"must be 0, 90, 180 or 270, got {o.Rotate}");
        }

        var r = o.Roi;
        var (turnedW, turnedH) = o.Rotate is 90 or 270 ? (o.Height, o.Width) : (o.Width, o.Height);
        if (r.X < 0 || r.Y < 0 || r.Width < 0 || r.Height < 0)
        {
            p.Add("Source:Roi", $"X, Y, Width and Height must not be negative, got {r.X},{r.Y} {r.Width}x{r.Height}");
        }
        else if (o.Kind != SourceKind.Files && !r.IsWholeFrame && ((long)r.X + r.Width > turnedW || (long)r.Y + r.Height > turnedH))
        {
            // Still images have their own sizes: those are checked frame by frame.
            p.Add("Source:Roi", $"{r.Width}x{r.Height} at {r.X},{r.Y} does not fit the {turnedW}x{turnedH} frame{(o.Rotate != 0 ? $" (turned {o.Rotate}°)" : "")}");
        }

        switch (o.Kind)
        {
            case SourceKind.Files when string.IsNullOrWhiteSpace(o.Path):
                p.Add("Source:Path", "required for the files source");
                break;
            case SourceKind.Files when !File.Exists(o.Path) && !Directory.Exists(o.Path):
                p.Add("Source:Path", $"no such file or folder: {o.Path}");
                break;
            case SourceKind.Pipe when string.IsNullOrWhiteSpace(o.Command):
                p.Add("Source:Command", "required for the pipe source");
                break;
            case SourceKind.V4l2 or SourceKind.Rpicam:
                try
                {
                    Frames.CaptureSettings.Validate(o);
                }
                catch (Capture.V4l2.CameraException e)
                {
                    p.AddLine(e.Message);
                }

                break;
        }

        return p.Result();
    }
}

internal sealed class TriggerOptionsValidator(IOptions<GpioOptions> gpio) : IValidateOptions<TriggerOptions>
{
    public ValidateOptionsResult Validate(string? name, TriggerOptions o)
    {
        var p = new Problems();
        p.Range("Trigger:Rate", o.Rate, 0.01, 1000, zeroAllowed: true);
        p.Range("Trigger:DebounceMs", o.DebounceMs, 0, 10_000);
        if (o.Kind == TriggerKind.Gpio)
        {
            p.Pin("Trigger:Pin", o.Pin, gpio.Value.PinCount);
        }

        return p.Result();
    }
}

internal sealed class DecisionOptionsValidator : IValidateOptions<DecisionOptions>
{
    public ValidateOptionsResult Validate(string? name, DecisionOptions o)
    {
        var p = new Problems();
        for (var i = 0; i < o.Rules.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(o.Rules[i].Class))
            {
                p.Add($"Decision:Rules:{i}:Class", "empty (a label or a class index)");
            }
        }

        p.Range("Decision:Threshold", o.Threshold, 0, 1);
        p.Range("Decision:Smoothing", o.Smoothing, 1, 1000);
        return p.Result();
    }
}

internal sealed class OutputsOptionsValidator(IOptions<GpioOptions> gpio, IOptions<TriggerOptions> trigger) : IValidateOptions<OutputsOptions>
{
    public ValidateOptionsResult Validate(string? name, OutputsOptions o)
    {
        var p = new Problems();
        var pinCount = gpio.Value.PinCount;
        var used = new Dictionary<int, string>();
        if (trigger.Value.Kind == TriggerKind.Gpio)
        {
            used[trigger.Value.Pin] = "Trigger:Pin";
        }

        for (var i = 0; i < o.Items.Count; i++)
        {
            var output = o.Items[i];
            var key = $"Outputs:{i}";
            p.Pin(key + ":Pin", output.Pin, pinCount);
            if (!used.TryAdd(output.Pin, key + ":Pin"))
            {
                p.Add(key + ":Pin", $"pin {output.Pin} is already used by {used[output.Pin]}");
            }

            p.Range(key + ":PulseMs", output.PulseMs, 1, 60_000);
            p.Range(key + ":DelayMs", output.DelayMs, 0, 60_000);
        }

        return p.Result();
    }
}

internal sealed class GpioOptionsValidator : IValidateOptions<GpioOptions>
{
    public ValidateOptionsResult Validate(string? name, GpioOptions o)
    {
        var p = new Problems();
        p.Range("Gpio:PinCount", o.PinCount, 1, 1024);
        p.Range("Gpio:Chip", o.Chip, 0, 255);
        return p.Result();
    }
}

internal sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions o)
    {
        var p = new Problems();
        p.Range("Mqtt:Port", o.Port, 1, 65535);
        if (o.QueueCapacity != MqttOptions.NotSet)
        {
            p.Add("Mqtt:QueueCapacity", "removed; events wait in the outbox now: bound them with Outbox:MaxMegabytes (and Outbox:MaxCount)");
        }

        p.Range("Mqtt:ReconnectMinMs", o.ReconnectMinMs, 1, 600_000);
        p.Range("Mqtt:ReconnectMaxMs", o.ReconnectMaxMs, Math.Max(1, o.ReconnectMinMs), 600_000);
        p.Range("Mqtt:DrainTimeoutMs", o.DrainTimeoutMs, 0, 60_000);
        p.Range("Mqtt:MaxInFlight", o.MaxInFlight, 1, 1024);
        p.Range("Mqtt:PublishTimeoutMs", o.PublishTimeoutMs, 10, 600_000);
        p.Range("Mqtt:LagBoundSeconds", o.LagBoundSeconds, 0.1, 86_400);
        p.Range("Mqtt:StateIntervalSeconds", o.StateIntervalSeconds, 0.1, 3600);
        p.FileExists("Mqtt:CaFile", o.CaFile);
        if (o.DiscoveryPrefix.Length == 0 || o.DiscoveryPrefix.IndexOfAny(['#', '+', '\0']) >= 0 || o.DiscoveryPrefix.StartsWith('/') || o.DiscoveryPrefix.EndsWith('/'))
        {
            p.Add("Mqtt:DiscoveryPrefix", $"'{o.DiscoveryPrefix}' must be a topic without wildcards or a leading or trailing '/'");
        }

        p.Range("Mqtt:BrokerMaxPacketKilobytes", o.BrokerMaxPacketKilobytes, 1, 262_144);
        p.Range("Mqtt:BrokerMaxRetainedMessages", o.BrokerMaxRetainedMessages, 1, 1_000_000);
        p.Range("Mqtt:BrokerMaxRetainedKilobytes", o.BrokerMaxRetainedKilobytes, 1, 1_048_576);
        return p.Result();
    }
}
