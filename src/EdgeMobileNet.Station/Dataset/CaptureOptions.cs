using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>`Capture:` frames saved as JPEG with a JSON sidecar into a dataset folder, for labelling and training
/// (docs/training.md, "Training in the station").</summary>
public sealed class CaptureOptions
{
    public const string Section = "Capture";

    /// <summary>Capture frames (and serve the gallery and training on the page). Off by default, on in the demo.</summary>
    public bool Enabled { get; set; }

    /// <summary>The dataset folder: one subfolder per class, unlabelled captures in its hidden `.inbox`. Empty =
    /// `dataset` in the state directory.</summary>
    public string Dir { get; set; } = "";

    /// <summary>Capture every result whose verdict is `unknown`.</summary>
    public bool Unknown { get; set; } = true;

    /// <summary>Capture every result whose top score is below this (0 = off).</summary>
    public double BelowScore { get; set; } = 0.6;

    /// <summary>Capture every Nth classification (0 = off).</summary>
    public int EveryN { get; set; }

    /// <summary>At least this long between two automatic captures (unknown, low score), so one slow part does not
    /// fill the inbox with near-identical frames.</summary>
    public int MinIntervalMs { get; set; } = 500;

    /// <summary>At most this many images in the dataset folder (inbox and classes); further captures are dropped
    /// and counted.</summary>
    public int MaxFiles { get; set; } = 5000;

    /// <summary>At most this many megabytes of images and sidecars in the dataset folder.</summary>
    public int MaxMegabytes { get; set; } = 500;

    /// <summary>Frames waiting for the JPEG encoder; a capture finding the queue full is dropped and counted.</summary>
    public int Queue { get; set; } = 8;

    public int JpegQuality { get; set; } = 92;

    /// <summary>An input pin (button to ground, pull-up) that labels the newest inbox capture <see cref="GoodClass"/>;
    /// -1 = none.</summary>
    public int GoodPin { get; set; } = -1;

    /// <summary>As <see cref="GoodPin"/>, for <see cref="DefectClass"/>.</summary>
    public int DefectPin { get; set; } = -1;

    public string GoodClass { get; set; } = "good";

    public string DefectClass { get; set; } = "defect";
}

/// <summary>`Training:` on-device training from the dataset folder, started from the page.</summary>
public sealed class StationTrainingOptions
{
    public const string Section = "Training";

    /// <summary>The frozen backbone (an ImageNet MobileNet ONNX file). Empty = the running model, when it is one
    /// the trainer supports.</summary>
    public string Backbone { get; set; } = "";

    /// <summary>auto, finetune, linear or centroid (as `train --method`).</summary>
    public string Method { get; set; } = "auto";

    /// <summary>Held-out folds for the report (0 = none; 2..20).</summary>
    public int Folds { get; set; } = 5;
}

internal sealed class CaptureOptionsValidator(IOptions<GpioOptions> gpio, IOptions<TriggerOptions> trigger, IOptions<OutputsOptions> outputs) : IValidateOptions<CaptureOptions>
{
    public ValidateOptionsResult Validate(string? name, CaptureOptions o)
    {
        var p = new Problems();
        p.Range("Capture:BelowScore", o.BelowScore, 0, 1);
        p.Range("Capture:EveryN", o.EveryN, 0, 1_000_000);
        p.Range("Capture:MinIntervalMs", o.MinIntervalMs, 0, 3_600_000);
        p.Range("Capture:MaxFiles", o.MaxFiles, 1, 10_000_000);
        p.Range("Capture:MaxMegabytes", o.MaxMegabytes, 1, 1_000_000);
        p.Range("Capture:Queue", o.Queue, 1, 256);
        p.Range("Capture:JpegQuality", o.JpegQuality, 1, 100);
        foreach (var (key, pin) in new[] { ("Capture:GoodPin", o.GoodPin), ("Capture:DefectPin", o.DefectPin) })
        {
            if (pin < 0)
            {
                if (pin < -1)
                {
                    p.Add(key, $"must be -1 (no button) or a pin, got {pin}");
                }

                continue;
            }

            p.Pin(key, pin, gpio.Value.PinCount);
            if (trigger.Value.Kind == TriggerKind.Gpio && trigger.Value.Pin == pin)
            {
                p.Add(key, $"pin {pin} is the trigger input (Trigger:Pin)");
            }

            if (outputs.Value.Items.Any(x => x.Pin == pin))
            {
                p.Add(key, $"pin {pin} is an output (Outputs)");
            }
        }

        if (o.GoodPin >= 0 && o.GoodPin == o.DefectPin)
        {
            p.Add("Capture:DefectPin", $"pin {o.DefectPin} is also Capture:GoodPin");
        }

        if (DatasetStore.ClassNameProblem(o.GoodClass) is { } good)
        {
            p.Add("Capture:GoodClass", good);
        }

        if (DatasetStore.ClassNameProblem(o.DefectClass) is { } defect)
        {
            p.Add("Capture:DefectClass", defect);
        }
        return p.Result();
    }
}

internal sealed class StationTrainingOptionsValidator : IValidateOptions<StationTrainingOptions>
{
    public ValidateOptionsResult Validate(string? name, StationTrainingOptions o)
    {
        var p = new Problems();
        p.FileExists("Training:Backbone", o.Backbone);
        if (o.Method is not ("auto" or "finetune" or "linear" or "centroid"))
        {
            p.Add("Training:Method", $"'{o.Method}' is not one of auto, finetune, linear, centroid");
        }

        if (o.Folds is < 0 or 1 or > 20)
        {
            p.Add("Training:Folds", $"must be 0 (no held-out report) or 2..20, got {o.Folds}");
        }

        return p.Result();
    }
}
