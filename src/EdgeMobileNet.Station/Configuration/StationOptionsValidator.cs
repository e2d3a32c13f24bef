using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Configuration;

/// <summary>Checks every key before anything starts, so a typo stops the service with the key named
/// instead of surfacing later as a fault on the line.</summary>
internal sealed partial class StationOptionsValidator : IValidateOptions<StationOptions>
{
    public static readonly string[] SourceKinds = ["synthetic", "files", "pipe"];
    public static readonly string[] TriggerKinds = ["continuous", "gpio", "mqtt"];
    public static readonly string[] Verdicts = ["pass", "reject", "unknown"];
    public static readonly string[] OutputModes = ["pulse", "level"];
    public static readonly string[] Edges = ["rising", "falling"];
    public static readonly string[] Pulls = ["none", "up", "down"];
    public static readonly string[] GpioDrivers = ["auto", "libgpiod", "simulated"];

    public ValidateOptionsResult Validate(string? name, StationOptions options)
    {
        var errors = new List<string>();
        Check(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(StationOptions o, List<string> e)
    {
        if (!StationId().IsMatch(o.Station.Id))
        {
            e.Add($"Station:Id: '{o.Station.Id}' must be 1-64 letters, digits, '-' or '_' (it is part of MQTT topics)");
        }

        NonNegative(e, "Station:MaxFrames", o.Station.MaxFrames);

        if (string.IsNullOrWhiteSpace(o.Model.Path))
        {
            e.Add("Model:Path: no model file configured (or run with --demo)");
        }
        else if (!File.Exists(o.Model.Path))
        {
            e.Add($"Model:Path: file not found: {o.Model.Path}");
        }

        if (o.Model.Labels.Length > 0 && o.Model.LabelList.Count == 0 && !File.Exists(o.Model.Labels))
        {
            e.Add($"Model:Labels: file not found: {o.Model.Labels}");
        }

        if (o.Model.Threads < 1)
        {
            e.Add($"Model:Threads: must be at least 1, got {o.Model.Threads}");
        }

        if (o.Model.TopK < 1)
        {
            e.Add($"Model:TopK: must be at least 1, got {o.Model.TopK}");
        }

        if (!(o.Model.ResizeRatio >= 1f))
        {
            e.Add($"Model:ResizeRatio: must be at least 1, got {o.Model.ResizeRatio}");
        }

        OneOf(e, "Source:Kind", o.Source.Kind, SourceKinds, "source kind");
        if (o.Source.Width < 1 || o.Source.Width > 8192)
        {
            e.Add($"Source:Width: must be 1..8192, got {o.Source.Width}");
        }

        if (o.Source.Height < 1 || o.Source.Height > 8192)
        {
            e.Add($"Source:Height: must be 1..8192, got {o.Source.Height}");
        }

        NonNegative(e, "Source:Rate", o.Source.Rate);
        if (o.Source.FramesPerPart < 1)
        {
            e.Add($"Source:FramesPerPart: must be at least 1, got {o.Source.FramesPerPart}");
        }

        switch (o.Source.Kind)
        {
            case "files" when string.IsNullOrWhiteSpace(o.Source.Path):
                e.Add("Source:Path: required for the files source");
                break;
            case "files" when !File.Exists(o.Source.Path) && !Directory.Exists(o.Source.Path):
                e.Add($"Source:Path: no such file or folder: {o.Source.Path}");
                break;
            case "pipe" when string.IsNullOrWhiteSpace(o.Source.Command):
                e.Add("Source:Command: required for the pipe source");
                break;
        }

        if (o.Source.Kind == "pipe" && !Enum.TryParse<Vision.PixelFormat>(o.Source.PixelFormat, ignoreCase: true, out _))
        {
            e.Add($"Source:PixelFormat: unknown pixel format '{o.Source.PixelFormat}' (expected one of: {string.Join(", ", Enum.GetNames<Vision.PixelFormat>())})");
        }

        if (o.Source.RestartMinMs < 1 || o.Source.RestartMaxMs < o.Source.RestartMinMs)
        {
            e.Add($"Source:RestartMinMs: must be at least 1 and not above Source:RestartMaxMs ({o.Source.RestartMinMs} > {o.Source.RestartMaxMs})");
        }

        OneOf(e, "Trigger:Kind", o.Trigger.Kind, TriggerKinds, "trigger kind");
        NonNegative(e, "Trigger:Rate", o.Trigger.Rate);
        OneOf(e, "Trigger:Edge", o.Trigger.Edge, Edges, "edge");
        OneOf(e, "Trigger:Pull", o.Trigger.Pull, Pulls, "pull");
        NonNegative(e, "Trigger:DebounceMs", o.Trigger.DebounceMs);
        if (o.Trigger.Kind == "gpio")
        {
            Pin(e, "Trigger:Pin", o.Trigger.Pin, o.Gpio.PinCount);
        }

        for (var i = 0; i < o.Decision.Rules.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(o.Decision.Rules[i].Class))
            {
                e.Add($"Decision:Rules:{i}:Class: empty (a label or a class index)");
            }

            OneOf(e, $"Decision:Rules:{i}:Verdict", o.Decision.Rules[i].Verdict, Verdicts, "verdict");
        }

        OneOf(e, "Decision:Default", o.Decision.Default, Verdicts, "verdict");
        OneOf(e, "Decision:LowScoreVerdict", o.Decision.LowScoreVerdict, Verdicts, "verdict");
        if (!(o.Decision.Threshold >= 0 && o.Decision.Threshold <= 1))
        {
            e.Add($"Decision:Threshold: must be 0..1, got {o.Decision.Threshold}");
        }

        if (o.Decision.Smoothing < 1)
        {
            e.Add($"Decision:Smoothing: must be at least 1, got {o.Decision.Smoothing}");
        }

        var used = new Dictionary<int, string>();
        for (var i = 0; i < o.Outputs.Count; i++)
        {
            var output = o.Outputs[i];
            var key = $"Outputs:{i}";
            Pin(e, key + ":Pin", output.Pin, o.Gpio.PinCount);
            if (!used.TryAdd(output.Pin, key) || (o.Trigger.Kind == "gpio" && output.Pin == o.Trigger.Pin))
            {
                e.Add($"{key}:Pin: pin {output.Pin} is already used by {(used.TryGetValue(output.Pin, out var other) && other != key ? other : "Trigger:Pin")}");
            }

            OneOf(e, key + ":Verdict", output.Verdict, Verdicts, "verdict");
            OneOf(e, key + ":Mode", output.Mode, OutputModes, "output mode");
            if (output.PulseMs < 1)
            {
                e.Add($"{key}:PulseMs: must be at least 1, got {output.PulseMs}");
            }

            NonNegative(e, key + ":DelayMs", output.DelayMs);
        }

        OneOf(e, "Gpio:Driver", o.Gpio.Driver, GpioDrivers, "GPIO driver");
        if (o.Gpio.PinCount < 1)
        {
            e.Add($"Gpio:PinCount: must be at least 1, got {o.Gpio.PinCount}");
        }

        NonNegative(e, "Gpio:Chip", o.Gpio.Chip);

        if (o.Mqtt.Port is < 1 or > 65535)
        {
            e.Add($"Mqtt:Port: must be 1..65535, got {o.Mqtt.Port}");
        }

        if (o.Mqtt.QueueCapacity < 1)
        {
            e.Add($"Mqtt:QueueCapacity: must be at least 1, got {o.Mqtt.QueueCapacity}");
        }

        if (o.Mqtt.ReconnectMinMs < 1 || o.Mqtt.ReconnectMaxMs < o.Mqtt.ReconnectMinMs)
        {
            e.Add($"Mqtt:ReconnectMinMs: must be at least 1 and not above Mqtt:ReconnectMaxMs ({o.Mqtt.ReconnectMinMs} > {o.Mqtt.ReconnectMaxMs})");
        }

        NonNegative(e, "Mqtt:DrainTimeoutMs", o.Mqtt.DrainTimeoutMs);
        if (!(o.Mqtt.StateIntervalSeconds > 0))
        {
            e.Add($"Mqtt:StateIntervalSeconds: must be positive, got {o.Mqtt.StateIntervalSeconds}");
        }

        if (o.Mqtt.CaFile.Length > 0 && !File.Exists(o.Mqtt.CaFile))
        {
            e.Add($"Mqtt:CaFile: file not found: {o.Mqtt.CaFile}");
        }
    }

    private static void OneOf(List<string> e, string key, string value, string[] allowed, string what)
    {
        if (Array.IndexOf(allowed, value) < 0)
        {
            e.Add($"{key}: unknown {what} '{value}' (expected one of: {string.Join(", ", allowed)})");
        }
    }

    private static void NonNegative(List<string> e, string key, double value)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            e.Add($"{key}: must not be negative, got {value}");
        }
    }

    private static void Pin(List<string> e, string key, int pin, int pinCount)
    {
        if (pin < 0 || pin >= pinCount)
        {
            e.Add($"{key}: pin {pin} is out of range 0..{pinCount - 1} (Gpio:PinCount)");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex StationId();
}
