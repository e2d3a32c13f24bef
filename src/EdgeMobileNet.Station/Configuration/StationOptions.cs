using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Configuration;

// One options class per configuration section (docs/configuration.md). Plain settable properties for the
// source-generated binder; each section's validator names the key in its messages.

/// <summary>Section `Station`.</summary>
public sealed class StationOptions
{
    public const string Section = "Station";

    /// <summary>Names the station in MQTT topics and events; letters, digits, '-' and '_' only.</summary>
    public string Id { get; set; } = "station1";

    /// <summary>Stop cleanly after this many classifications; 0 runs until stopped.</summary>
    public long MaxFrames { get; set; }

    /// <summary>Write one line per classification to stdout (on in the demo).</summary>
    public bool PrintEvents { get; set; }

    /// <summary>Where the demo model and other generated files are kept; empty = $XDG_CACHE_HOME or ~/.cache.</summary>
    public string CacheDir { get; set; } = "";

    /// <summary>Where the event outbox is kept (under outbox/); $STATE_DIRECTORY (systemd StateDirectory=) wins,
    /// empty = $XDG_STATE_HOME/edgemobilenet or ~/.local/state/edgemobilenet.</summary>
    public string StateDir { get; set; } = "";

    /// <summary>Seconds without a new frame before the station reports itself degraded.</summary>
    public double NoFramesSeconds { get; set; } = 5;
}

/// <summary>Section `Model`.</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    public string Path { get; set; } = "";

    /// <summary>Optional labels file: synset.txt lines or one label per line, in output order.</summary>
    public string Labels { get; set; } = "";

    /// <summary>Labels inline (used by the demo); wins over <see cref="Labels"/> when non-empty.</summary>
    public List<string> LabelList { get; set; } = [];

    /// <summary>ort, managed or auto.</summary>
    public string Engine { get; set; } = "auto";

    public int Threads { get; set; } = 1;

    public int TopK { get; set; } = 3;

    /// <summary>Shorter side is resized to crop × ratio before the centre crop; 1.0 keeps the whole shorter side.</summary>
    public float ResizeRatio { get; set; } = 256f / 224f;

    /// <summary>Per-channel mean on [0,1] pixels; empty = ImageNet's.</summary>
    public List<float> Mean { get; set; } = [];

    /// <summary>Per-channel standard deviation on [0,1] pixels; empty = ImageNet's.</summary>
    public List<float> Std { get; set; } = [];

    /// <summary>Model deployment (`cmd/model`, web page): a download larger than this many megabytes is refused.</summary>
    public int DownloadMaxMegabytes { get; set; } = 100;

    /// <summary>Model deployment: a download that takes longer than this many seconds is refused.</summary>
    public int DownloadTimeoutSeconds { get; set; } = 300;
}

/// <summary>Section `Trigger`.</summary>
public sealed class TriggerOptions
{
    public const string Section = "Trigger";

    public TriggerKind Kind { get; set; } = TriggerKind.Continuous;

    /// <summary>continuous: at most this many classifications per second; 0 = every new frame.</summary>
    public double Rate { get; set; } = 10;

    public int Pin { get; set; } = 4;

    public TriggerEdge Edge { get; set; } = TriggerEdge.Rising;

    public PinPull Pull { get; set; } = PinPull.Down;

    public int DebounceMs { get; set; } = 5;
}

/// <summary>Section `Decision`.</summary>
public sealed class DecisionOptions
{
    public const string Section = "Decision";

    public List<DecisionRule> Rules { get; set; } = [];

    /// <summary>Verdict of classes no rule names.</summary>
    public Verdict Default { get; set; } = Verdict.Unknown;

    /// <summary>Top score below this gives <see cref="LowScoreVerdict"/>.</summary>
    public double Threshold { get; set; }

    public Verdict LowScoreVerdict { get; set; } = Verdict.Unknown;

    /// <summary>continuous: identical consecutive verdicts needed before the state changes; 1 = none.</summary>
    public int Smoothing { get; set; } = 1;
}

/// <summary>Decision:Rules:N.</summary>
public sealed class DecisionRule
{
    /// <summary>A label, or a class index.</summary>
    public string Class { get; set; } = "";

    public Verdict Verdict { get; set; } = Verdict.Unknown;
}

/// <summary>Section `Outputs` (a list).</summary>
public sealed class OutputsOptions
{
    public const string Section = "Outputs";

    public List<OutputOptions> Items { get; set; } = [];
}

/// <summary>Outputs:N.</summary>
public sealed class OutputOptions
{
    public int Pin { get; set; } = -1;

    public Verdict Verdict { get; set; } = Verdict.Unknown;

    public OutputMode Mode { get; set; } = OutputMode.Pulse;

    public int PulseMs { get; set; } = 50;

    /// <summary>pulse: delay from the trigger to the pulse, for a gate downstream of the camera.</summary>
    public int DelayMs { get; set; }

    public bool ActiveLow { get; set; }
}

/// <summary>Section `Gpio`.</summary>
public sealed class GpioOptions
{
    public const string Section = "Gpio";

    public GpioDriverKind Driver { get; set; } = GpioDriverKind.Auto;

    public int Chip { get; set; }

    /// <summary>Valid pins are 0..PinCount-1 (BCM 0–27 on a Raspberry Pi header).</summary>
    public int PinCount { get; set; } = 28;
}
