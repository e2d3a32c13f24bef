using EdgeMobileNet.ModelBuilder.Demo;

namespace EdgeMobileNet.Station.Demo;

/// <summary>
/// `run --demo`: everything simulated but the classifier. Synthetic conveyor frames, the colour demo model (written to
/// the cache folder), simulated GPIO, the embedded broker, events printed to stdout. Red parts are rejected (the
/// reject gate on pin 17 pulses 300 ms after the part is seen), everything else passes (lamp on pin 27).
/// These are defaults: environment variables and command-line keys still override them.
/// </summary>
internal static class DemoSetup
{
    public const string ModelFileName = "colour-demo.onnx";

    public static Dictionary<string, string?> Prepare(string cacheDir)
    {
        var dir = cacheDir.Length > 0 ? cacheDir : DefaultCacheDir();
        Directory.CreateDirectory(dir);
        var model = Path.Combine(dir, ModelFileName);
        // Always regenerated (it is deterministic and quick), so a newer build never runs a stale demo model. Written
        // under a name of this process and renamed into place, so a second demo starting meanwhile never reads a
        // half-written model.
        var staging = Path.Combine(dir, $".{ModelFileName}.{Environment.ProcessId}.tmp");
        ColourDemoModel.Write(staging);
        File.Move(ColourDemoModel.LabelsPath(staging), ColourDemoModel.LabelsPath(model), overwrite: true);
        File.Move(staging, model, overwrite: true);

        var settings = new Dictionary<string, string?>
        {
            ["Station:Id"] = "demo",
            ["Station:PrintEvents"] = "true",
            ["Model:Path"] = model,
            ["Model:ResizeRatio"] = "1",
            ["Source:Kind"] = "synthetic",
            ["Source:Width"] = "160",
            ["Source:Height"] = "120",
            ["Source:Rate"] = "15",
            ["Source:FramesPerPart"] = "4",
            ["Trigger:Kind"] = "continuous",
            ["Trigger:Rate"] = "0",
            ["Decision:Rules:0:Class"] = "red",
            ["Decision:Rules:0:Verdict"] = "reject",
            ["Decision:Default"] = "pass",
            ["Outputs:0:Pin"] = "17",
            ["Outputs:0:Verdict"] = "reject",
            ["Outputs:0:Mode"] = "pulse",
            ["Outputs:0:PulseMs"] = "50",
            ["Outputs:0:DelayMs"] = "300",
            ["Outputs:1:Pin"] = "27",
            ["Outputs:1:Verdict"] = "pass",
            ["Outputs:1:Mode"] = "level",
            ["Gpio:Driver"] = "simulated",
            ["Mqtt:Host"] = "",
            // Captures accumulate across demo runs for labelling and training on the page (docs/training.md).
            ["Capture:Enabled"] = "true",
            ["Capture:Dir"] = Path.Combine(dir, "demo-dataset"),
            ["Capture:EveryN"] = "30",
            ["Capture:MaxFiles"] = "1000",
        };
        for (var i = 0; i < ColourDemoPalette.Labels.Count; i++)
        {
            settings[$"Model:LabelList:{i}"] = ColourDemoPalette.Labels[i];
        }

        return settings;
    }

    public static string DefaultCacheDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "edgemobilenet");
    }
}
