using System.CommandLine;
using System.Globalization;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Training;

namespace EdgeMobileNet.Commands;

/// <summary>`train`: a new classifier on a frozen MobileNet backbone from a folder of class subfolders
/// (docs/training.md).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var backbone = new Option<string>("--backbone") { Description = "MobileNet classifier ONNX model (int8 QOperator, QDQ or float) to train on", Required = true };
        var data = new Option<string>("--data") { Description = "Folder with one subfolder of images per class", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Model to write (ONNX); the report goes to <out>.json", Required = true };
        var method = new Option<string>("--method") { Description = "auto (finetune with 200+ images per class, else linear) | finetune (last 1x1 convolution + head) | linear (new head only) | centroid (nearest class mean, 1-5 images per class)", DefaultValueFactory = _ => "auto" };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds for the held-out figures (0: none)", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fine-tuning order (same data and seed give the same bytes)", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Fine-tuning passes over the images", DefaultValueFactory = _ => new TrainerSettings().Epochs };
        var power = new Option<int>("--power") { Description = "Generalised-mean pooling power: 1 = average pooling (default), 2 or 3 (see docs/training.md)", DefaultValueFactory = _ => 1 };
        var maxFalseReject = new Option<string>("--max-false-reject") { Description = "Largest acceptable share of good parts rejected, e.g. 1%", DefaultValueFactory = _ => "1%" };
        var maxMissed = new Option<string?>("--max-missed") { Description = "Largest acceptable share of defects missed, e.g. 2% (checked and reported)" };
        var rejectClass = new Option<string?>("--reject-class") { Description = "The class the threshold is for (default: the first class by name)" };
        var augment = new Option<string>("--augment") { Description = "Extra training views: mirror (default) | none | a comma-separated list of mirror, rotate, crop, bright | full (all four)", DefaultValueFactory = _ => "mirror" };
        var crop = new Option<string>("--view") { Description = "whole (resize the whole image) | center (resize 256, crop 224)", DefaultValueFactory = _ => "whole" };
        var perClass = new Option<int?>("--per-class") { Description = "Use only the first N images of each class (name order)" };
        var testRest = new Option<bool>("--test-rest") { Description = "With --per-class N: measure the final model on the images after the first N of each class" };
        var lambdas = new Option<string?>("--lambdas") { Description = "Candidate L2 penalties of the head, comma-separated (cross-validation picks one; default 0.001,0.01,0.1)" };
        var cache = new Option<string?>("--cache") { Description = "Embedding cache folder (default: .edgemobilenet-cache beside --out)" };
        var engine = new Option<string>("--engine") { Description = "Engine that embeds the images: managed | ort", DefaultValueFactory = _ => "managed" };
        var convRate = new Option<float>("--conv-rate") { Description = "Fine-tuning step size of the last convolution (Adam)", DefaultValueFactory = _ => new TrainerSettings().ConvRate };
        var threads = new Option<int>("--threads") { Description = "Threads for pooling and fine-tuning (results do not depend on it)", DefaultValueFactory = _ => 1 };
        var command = new Command("train", "Train a classifier on a frozen MobileNet backbone from a folder of class subfolders")
        {
            backbone, data, output, method, folds, seed, epochs, power, maxFalseReject, maxMissed, rejectClass, augment, crop, perClass, testRest, lambdas, cache, engine, convRate, threads,
        };
        command.SetAction(result =>
        {
            var outPath = result.GetRequiredValue(output);
            var options = new TrainingOptions
            {
                Backbone = result.GetRequiredValue(backbone),
                Data = result.GetRequiredValue(data),
                CacheDir = result.GetValue(cache) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath)) ?? ".", ".edgemobilenet-cache"),
                Method = result.GetRequiredValue(method),
                Folds = result.GetValue(folds),
                Power = result.GetValue(power),
                Augment = result.GetRequiredValue(augment),
                FullView = result.GetRequiredValue(crop) switch
                {
                    "whole" => true,
                    "center" => false,
                    var v => throw new EdgeMobileNetException($"--view: '{v}' is not whole or center"),
                },
                MaxFalseReject = Rate("--max-false-reject", result.GetRequiredValue(maxFalseReject)),
                MaxMissed = result.GetValue(maxMissed) is { } mm ? Rate("--max-missed", mm) : null,
                RejectClass = result.GetValue(rejectClass),
                TestRest = result.GetValue(testRest),
                PerClass = result.GetValue(perClass) is { } pc ? (pc >= 1 ? pc : throw new EdgeMobileNetException($"--per-class must be at least 1, got {pc}")) : null,
                Engine = OptionValues.Engines("--engine", result.GetRequiredValue(engine), allowAuto: false)[0],
                Settings = new TrainerSettings
                {
                    Epochs = result.GetValue(epochs),
                    Lambdas = result.GetValue(lambdas) is { } ls ? Lambdas(ls) : new TrainerSettings().Lambdas,
                    Seed = result.GetValue(seed),
                    Threads = result.GetValue(threads),
                    ConvRate = result.GetValue(convRate) is var cr && cr > 0 && float.IsFinite(cr) ? cr : throw new EdgeMobileNetException($"--conv-rate must be a positive number, got {cr}"),
                },
            };
            return Execute(result, options, outPath);
        });
        return command;
    }

    private static int Execute(ParseResult result, TrainingOptions options, string outPath)
    {
        var stderr = result.Error();
        var progress = new Progress(stderr);
        var trained = TrainingPipeline.Run(options, progress);
        try
        {
            File.WriteAllBytes(outPath, trained.ModelBytes);
            File.WriteAllText(outPath + ".json", TrainingPipeline.ToJson(trained.Report) + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"--out: cannot write {outPath} ({ex.Message})", ex);
        }

        var r = trained.Report;
        var o = result.Out();
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv, $"{outPath}: {r.Method} head on {r.Backbone}, {r.ImagesPerClass.Sum()} images, classes {string.Join(", ", r.Classes)}"));
        o.WriteLine(r.FoldProtocol);
        if (r.HeldOutAccuracy is { } accuracy)
        {
            o.WriteLine(string.Create(inv, $"held-out accuracy: {accuracy:P2} (float head){(r.HeldOutAccuracyInt8 is { } a ? string.Create(inv, $", {a:P2} (int8 model)") : "")}"));
        }
        o.WriteLine("confusion (rows: true class, columns: predicted):");
        for (var i = 0; i < r.Classes.Count; i++)
        {
            o.WriteLine(string.Create(inv, $"  {r.Classes[i],-16} {string.Join(" ", r.Confusion[i].Select(v => v.ToString(inv).PadLeft(6)))}"));
        }

        foreach (var c in r.PerClass)
        {
            o.WriteLine(string.Create(inv, $"  {c.Name,-16} precision {c.Precision:P2}  recall {c.Recall:P2}  ({c.Support} images)"));
        }

        if (r.Threshold is { } t)
        {
            o.WriteLine(string.Create(inv, $"threshold: reject '{t.RejectClass}' when its probability >= {t.Threshold:0.####}: {t.Missed} missed ({t.MissedRate:P2}), {t.FalseRejects} false rejects ({t.FalseRejectRate:P2}); limits {(t.WithinLimits ? "met" : "NOT met")}"));
        }

        if (r.RestTest is { } rt)
        {
            o.WriteLine(string.Create(inv, $"test on the {rt.Images} images after --per-class: {rt.Accuracy:P2} (float head){(rt.AccuracyInt8 is { } ra ? string.Create(inv, $", {ra:P2} (int8 model)") : "")}; confusion {string.Join(" | ", rt.Confusion.Select(row => string.Join(" ", row)))}"));
        }

        o.WriteLine($"augmentation: {r.Augment}; stages: {string.Join(", ", r.Stages.Select(st => string.Create(inv, $"{st.Stage} {st.Seconds:0.0} s")))}");
        o.WriteLine(string.Create(inv, $"time: embedding {r.EmbeddingSeconds:0.0} s ({r.ImagesEmbedded} computed, {r.ImagesFromCache} cached), training {r.TrainingSeconds:0.0} s; peak memory {r.PeakWorkingSetBytes / (1024.0 * 1024):0} MB"));
        o.WriteLine($"report: {outPath}.json");
        return 0;
    }

    private static float[] Lambdas(string text) => text.Split(',', StringSplitOptions.TrimEntries).Select(t =>
        float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && float.IsFinite(v) ? v
            : throw new EdgeMobileNetException($"--lambdas: '{t}' is not a positive number")).ToArray();

    private static double Rate(string option, string text)
    {
        var t = text.Trim();
        var percent = t.EndsWith('%');
        if (percent)
        {
            t = t[..^1];
        }

        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
        {
            throw new EdgeMobileNetException($"{option}: '{text}' is not a rate (e.g. 1% or 0.01)");
        }

        v = percent ? v / 100 : v;
        return v is >= 0 and <= 1 ? v : throw new EdgeMobileNetException($"{option}: '{text}' is not between 0 and 100%");
    }

    /// <summary>Progress lines on stderr, at most one per second per stage (the pipeline throttles).</summary>
    private sealed class Progress(TextWriter stderr) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => stderr.WriteLine(value.ToString());
    }
}
