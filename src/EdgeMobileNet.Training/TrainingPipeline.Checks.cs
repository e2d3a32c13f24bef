using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Training;

/// <summary>Option checks (one line naming the option) and the texts written into the model's metadata.</summary>
public static partial class TrainingPipeline
{
    private static void Validate(TrainingOptions o)
    {
        if (o.Method is not ("auto" or "finetune" or "linear" or "centroid"))
        {
            throw new EdgeMobileNetException($"--method: '{o.Method}' is not one of auto, finetune, linear, centroid");
        }

        if (o.Augment != "auto")
        {
            _ = Augmentation.Set(o.Augment);
        }

        if (o.Power is < 1 or > 3)
        {
            throw new EdgeMobileNetException($"--power: {o.Power} is not 1, 2 or 3");
        }

        if (o.Folds is < 0 or 1 or > 20)
        {
            throw new EdgeMobileNetException($"--folds: {o.Folds} is not 0 (no held-out evaluation) or between 2 and 20");
        }

        if (!(o.MaxFalseReject is >= 0 and <= 1))
        {
            throw new EdgeMobileNetException($"--max-false-reject: {o.MaxFalseReject} is not a rate between 0 and 100%");
        }

        if (o.Settings.Epochs < 0 || o.Settings.Threads < 1)
        {
            throw new EdgeMobileNetException("--epochs must be 0 or more and --threads at least 1");
        }
    }

    private static string PreprocessingText(PreprocessOptions p, bool fullView, int resolution) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"resize\":\"{(fullView ? "whole image" : "centre crop")}\",\"resize_ratio\":{p.ResizeRatio},\"size\":{resolution},\"mean\":[{string.Join(",", p.Mean)}],\"std\":[{string.Join(",", p.Std)}],\"layout\":\"NCHW RGB\"}}");

    private static string Summary(TrainingReport r) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"method\":\"{r.Method}\",\"power\":{r.Power},\"epochs\":{r.Epochs},\"seed\":{r.Seed},\"images\":{r.ImagesPerClass.Sum()},\"folds\":{r.Folds},\"held_out_accuracy\":{(r.HeldOutAccuracy is { } f ? f.ToString("0.####", CultureInfo.InvariantCulture) : "null")},\"held_out_accuracy_int8\":{(r.HeldOutAccuracyInt8 is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "null")},\"reject_class\":{JsonSerializer.Serialize(r.Threshold?.RejectClass ?? "", TrainingJsonContext.Default.String)},\"threshold\":{r.Threshold?.Threshold ?? 0.5f}}}");
}
