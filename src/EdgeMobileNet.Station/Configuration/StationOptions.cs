namespace EdgeMobileNet.Station.Configuration;

/// <summary>
/// Every setting of the station, bound from configuration sections of the same names (Station, Model, Source,
/// Trigger, Decision, Outputs, Gpio, Mqtt). Plain settable properties so the configuration binder can fill them;
/// <see cref="StationOptionsValidator"/> rejects bad values at start with the key in the message.
/// </summary>
public sealed class StationOptions
{
    public StationSection Station { get; set; } = new();

    public ModelSection Model { get; set; } = new();

    public SourceSection Source { get; set; } = new();

    public TriggerSection Trigger { get; set; } = new();

    public DecisionSection Decision { get; set; } = new();

    public List<OutputSection> Outputs { get; set; } = [];

    public GpioSection Gpio { get; set; } = new();

    public MqttSection Mqtt { get; set; } = new();
}

public sealed class StationSection
{
    /// <summary>Names the station in MQTT topics and events; letters, digits, '-' and '_' only.</summary>
    public string Id { get; set; } = "station1";

    /// <summary>Stop cleanly after this many classifications; 0 runs until stopped.</summary>
    public long MaxFrames { get; set; }

    /// <summary>Write one line per classification to stdout (on in the demo).</summary>
    public bool PrintEvents { get; set; }

    /// <summary>Where the demo model and other generated files are kept; empty = $XDG_CACHE_HOME or ~/.cache.</summary>
    public string CacheDir { get; set; } = "";
}

public sealed class ModelSection
{
    public string Path { get; set; } = "";

    /// <summary>Optional text file with one label per line, in output order.</summary>
    public string Labels { get; set; } = "";

    /// <summary>Labels inline (used by the demo); wins over <see cref="Labels"/> when non-empty.</summary>
    public List<string> LabelList { get; set; } = [];

    public string Engine { get; set; } = "auto";

    public int Threads { get; set; } = 1;

    public int TopK { get; set; } = 3;

    /// <summary>Shorter side is resized to crop × ratio before the centre crop; 1.0 keeps the whole shorter side.</summary>
    public float ResizeRatio { get; set; } = 256f / 224f;
}

public sealed class SourceSection
{
    /// <summary>synthetic, files or pipe.</summary>
    public string Kind { get; set; } = "synthetic";

    public int Width { get; set; } = 160;

    public int Height { get; set; } = 120;

    /// <summary>Frames per second for synthetic and files sources; 0 = as fast as they can be produced.</summary>
    public double Rate { get; set; } = 15;

    /// <summary>Synthetic scene seed: the same seed renders the same conveyor.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Synthetic: frames each part (or empty gap) stays in view.</summary>
    public int FramesPerPart { get; set; } = 4;

    /// <summary>files: an image file or a folder of images.</summary>
    public string Path { get; set; } = "";

    public bool Loop { get; set; } = true;

    /// <summary>pipe: shell command whose stdout carries raw frames.</summary>
    public string Command { get; set; } = "";

    /// <summary>pipe: I420, NV12, YUYV, RGB24 or GRAY8.</summary>
    public string PixelFormat { get; set; } = "I420";

    /// <summary>Wait for each frame to be classified before taking the next (replaying a recording); off for
    /// live cameras, where the newest frame wins and the rest are dropped and counted.</summary>
    public bool Lossless { get; set; }

    public int RestartMinMs { get; set; } = 500;

    public int RestartMaxMs { get; set; } = 10_000;
}

public sealed class TriggerSection
{
    /// <summary>continuous, gpio or mqtt.</summary>
    public string Kind { get; set; } = "continuous";

    /// <summary>continuous: at most this many classifications per second; 0 = every new frame.</summary>
    public double Rate { get; set; } = 10;

    public int Pin { get; set; } = 4;

    /// <summary>rising or falling.</summary>
    public string Edge { get; set; } = "rising";

    /// <summary>none, up or down.</summary>
    public string Pull { get; set; } = "down";

    public int DebounceMs { get; set; } = 5;
}

public sealed class DecisionSection
{
    public List<DecisionRule> Rules { get; set; } = [];

    /// <summary>Verdict of classes no rule names.</summary>
    public string Default { get; set; } = "unknown";

    /// <summary>Top score below this gives <see cref="LowScoreVerdict"/>.</summary>
    public double Threshold { get; set; }

    public string LowScoreVerdict { get; set; } = "unknown";

    /// <summary>continuous: identical consecutive verdicts needed before the state changes; 1 = none.</summary>
    public int Smoothing { get; set; } = 1;
}

public sealed class DecisionRule
{
    /// <summary>A label, or a class index.</summary>
    public string Class { get; set; } = "";

    public string Verdict { get; set; } = "";
}

public sealed class OutputSection
{
    public int Pin { get; set; } = -1;

    public string Verdict { get; set; } = "";

    /// <summary>pulse (a gate) or level (a lamp that shows the current verdict).</summary>
    public string Mode { get; set; } = "pulse";

    public int PulseMs { get; set; } = 50;

    /// <summary>pulse: delay from the trigger to the pulse, for a gate downstream of the camera.</summary>
    public int DelayMs { get; set; }

    public bool ActiveLow { get; set; }
}

public sealed class GpioSection
{
    /// <summary>auto (libgpiod when a gpiochip exists, else simulated), libgpiod or simulated.</summary>
    public string Driver { get; set; } = "auto";

    public int Chip { get; set; }

    /// <summary>Valid pins are 0..PinCount-1 (BCM 0–27 on a Raspberry Pi header).</summary>
    public int PinCount { get; set; } = 28;
}

public sealed class MqttSection
{
    public bool Enabled { get; set; } = true;

    /// <summary>External broker; empty starts the embedded broker on localhost.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 1883;

    public string ClientId { get; set; } = "";

    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    public bool Tls { get; set; }

    public string CaFile { get; set; } = "";

    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>Events kept in memory while the broker is away; the oldest is dropped (and counted) beyond it.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    public int ReconnectMinMs { get; set; } = 250;

    public int ReconnectMaxMs { get; set; } = 5_000;

    /// <summary>On stop, how long queued events may take to flush before `stopped` is published.</summary>
    public int DrainTimeoutMs { get; set; } = 1_000;

    /// <summary>Seconds between retained `state` updates (also sent on stop).</summary>
    public double StateIntervalSeconds { get; set; } = 1;
}
