using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Training;

/// <summary>What to train. Paths are the user's; everything else has a default that works for a few hundred
/// images per class.</summary>
public sealed record TrainingOptions
{
    public required string Backbone { get; init; }

    public required string Data { get; init; }

    /// <summary>Embedding cache folder; null disables caching.</summary>
    public string? CacheDir { get; init; }

    /// <summary>"auto" (default: finetune when every class has at least <see cref="FineTuneMinPerClass"/> images,
    /// else linear), "finetune" (last 1x1 convolution and head), "linear" (frozen convolution, new head),
    /// "centroid" (nearest class mean, for one to five images per class).</summary>
    public string Method { get; init; } = "auto";

    public int Folds { get; init; } = 5;

    /// <summary>Generalised-mean pooling power (1 = global average pooling).</summary>
    public int Power { get; init; } = 1;

    /// <summary>Adds the mirrored view of every training image.</summary>
    public bool Mirror { get; init; } = true;

    /// <summary>Resize the whole image to the model's input (no centre crop), keeping the whole part in view.</summary>
    public bool FullView { get; init; } = true;

    public double MaxFalseReject { get; init; } = 0.01;

    public double? MaxMissed { get; init; }

    /// <summary>The class a threshold is chosen for (a defect class); null = the first class in name order.</summary>
    public string? RejectClass { get; init; }

    /// <summary>Only the first N images of each class (name order); null = all.</summary>
    public int? PerClass { get; init; }

    public string Engine { get; init; } = "managed";

    public TrainerSettings Settings { get; init; } = new();
}

/// <summary>A trained model: the ONNX object (already carrying labels, preprocessing and summary in its
/// metadata), its bytes and the report.</summary>
public sealed record TrainingResult(OnnxModel Model, byte[] ModelBytes, TrainingReport Report);

/// <summary>
/// Train from a folder, get a model and a report: embeds the images through the frozen backbone (cached), measures
/// the method on held-out folds, fits it on all images and writes the ONNX model. Callable in-process (the station
/// passes a progress sink and a cancellation token).
/// </summary>
public static class TrainingPipeline
{
    public const string LabelsKey = ModelMetadata.LabelsKey;
    public const string PreprocessingKey = ModelMetadata.PreprocessingKey;
    public const string SummaryKey = "edgemobilenet.training";

    /// <summary>Fine-tuning 410k convolution weights needs data: measured here it gains on 500 casting photos per
    /// class and loses on 120 per class (hymenoptera) and 25 per class (casting), where the frozen linear head wins.</summary>
    public const int FineTuneMinPerClass = 200;

    public static TrainingResult Run(TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var total = Stopwatch.StartNew();
        var backbone = Backbone.Load(options.Backbone);
        var folder = ImageFolder.Open(options.Data);
        if (options.PerClass is { } per)
        {
            folder = folder.Take(per);
        }

        if (options.Method == "auto")
        {
            options = options with { Method = Enumerable.Range(0, folder.Classes.Count).Min(folder.CountOf) >= FineTuneMinPerClass ? "finetune" : "linear" };
        }

        var rejectLabel = 0;
        if (options.RejectClass is { } rc)
        {
            rejectLabel = folder.Classes.ToList().IndexOf(rc);
            if (rejectLabel < 0)
            {
                throw new EdgeMobileNetException($"--reject-class: '{rc}' is not a class of {options.Data} ({string.Join(", ", folder.Classes)})");
            }
        }

        var preprocess = PreprocessOptions.ImageNet with { ResizeRatio = options.FullView ? 1f : 256f / 224f };
        var embedWatch = Stopwatch.StartNew();
        var plain = new ActivationStore(backbone.InChannels, backbone.Positions, backbone.CutQuant);
        ActivationStore? mirrored = null;
        int computed, cached;
        using (var embedder = new Embedder(backbone, preprocess, options.Engine, options.CacheDir))
        {
            embedder.Embed(folder.Images, false, plain, progress, cancel);
            if (options.Mirror && options.Method != "centroid")
            {
                mirrored = new ActivationStore(backbone.InChannels, backbone.Positions, backbone.CutQuant);
                embedder.Embed(folder.Images, true, mirrored, progress, cancel);
            }

            (computed, cached) = (embedder.Computed, embedder.FromCache);
        }

        embedWatch.Stop();
        var trainWatch = Stopwatch.StartNew();
        var labels = folder.Images.Select(i => i.Label).ToArray();
        var k = folder.Classes.Count;
        var minClass = Enumerable.Range(0, k).Min(folder.CountOf);
        var folds = Math.Min(options.Folds, minClass);
        int[] fold;
        string protocol;
        if (folds >= 2)
        {
            var means = Enumerable.Range(0, plain.Count).Select(i => Folds.ChannelMeans(plain.PositionMajor(i), plain.Channels)).ToList();
            var meansMirror = mirrored is null ? null : Enumerable.Range(0, mirrored.Count).Select(i => Folds.ChannelMeans(mirrored.PositionMajor(i), mirrored.Channels)).ToList();
            var (assigned, groups, linked) = Folds.Assign(means, meansMirror, labels, folds);
            fold = assigned;
            protocol = string.Create(CultureInfo.InvariantCulture,
                $"{folds}-fold cross-validation; images whose pooled activations have cosine similarity >= {Folds.LinkCosine} (plain or mirrored) are linked and linked groups stay in one fold ({groups} groups holding {linked} images); classes balanced per fold");
        }
        else
        {
            folds = 0;
            fold = new int[labels.Length];
            protocol = options.Folds == 0
                ? "no held-out evaluation (--folds 0): the figures below are not measured"
                : "no held-out evaluation: a class has fewer than 2 images";
        }

        var template = new HeadModel(backbone.InChannels, backbone.OutChannels, k, backbone.Positions, options.Method == "centroid" ? 1 : options.Power, backbone.ClipMax);
        backbone.ConvWeights.CopyTo(template.W, 0);
        backbone.ConvBias.CopyTo(template.B, 0);

        // Pooled features with the trained convolution, for every view: the linear head and the centroids use them
        // as they are, fine-tuning starts from a head fitted on them.
        var allIndices = Enumerable.Range(0, plain.Count).ToArray();
        var poolMeter = new ProgressMeter(progress, "pooling", plain.Count * (mirrored is null ? 1 : 2));
        var hPlain = template.PoolAll(plain.Select(allIndices), options.Settings.Threads, done => poolMeter.Report(done));
        var hMirror = mirrored is null ? null : template.PoolAll(mirrored.Select(allIndices), options.Settings.Threads, done => poolMeter.Report(plain.Count + done));

        var oofProb = new float[labels.Length][];
        var oofInt8 = backbone.IsQuantized ? new float[labels.Length][] : null;
        float? chosenLambda = null;
        for (var f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, labels.Length).Where(i => fold[i] != f).ToArray();
            var test = Enumerable.Range(0, labels.Length).Where(i => fold[i] == f).ToArray();
            var (model, lambda) = Fit(template, options, train, plain, mirrored, hPlain, hMirror, labels, progress, $"fold {f + 1}/{folds}", cancel);
            chosenLambda ??= lambda;
            var std = new float[model.O];
            var testViews = plain.Select(test);
            var hTest = options.Method == "finetune" ? model.PoolAll(testViews, options.Settings.Threads) : test.Select(i => hPlain[i]).ToArray();
            for (var j = 0; j < test.Length; j++)
            {
                var p = new float[k];
                model.Logits(hTest[j], std, p);
                HeadModel.Softmax(p);
                oofProb[test[j]] = p;
            }

            if (oofInt8 is not null)
            {
                var ranges = HeadRanges.Calibrate(model, plain.Select(train), options.Settings.Threads);
                var tail = HeadExporter.Export(backbone, model, ranges, tailOnly: true, []);
                var tailProbabilities = RunTail(tail, testViews, options.Engine);
                for (var j = 0; j < test.Length; j++)
                {
                    oofInt8[test[j]] = tailProbabilities[j];
                }
            }
        }

        // The model shipped: the same procedure on every image.
        var all = Enumerable.Range(0, labels.Length).ToArray();
        var (final, finalLambda) = Fit(template, options, all, plain, mirrored, hPlain, hMirror, labels, progress, "final", cancel);
        var finalRanges = HeadRanges.Calibrate(final, plain.Select(all), options.Settings.Threads);
        trainWatch.Stop();

        // Confusion, per-class figures and the threshold describe the model that ships: the int8 one when the
        // backbone is int8.
        var evaluated = Enumerable.Range(0, labels.Length).Where(i => oofProb[i] is not null).ToArray();
        var truth = evaluated.Select(i => labels[i]).ToArray();
        var predictedFloat = evaluated.Select(i => ArgMax(oofProb[i])).ToArray();
        var shipped = oofInt8 ?? oofProb;
        var predicted = evaluated.Select(i => ArgMax(shipped[i])).ToArray();
        var confusion = Metrics.Confusion(truth, predicted, k);
        ThresholdReport? threshold = evaluated.Length > 0
            ? Metrics.Threshold(evaluated.Select(i => shipped[i][rejectLabel]).ToArray(), truth, rejectLabel, folder.Classes[rejectLabel], options.MaxFalseReject, options.MaxMissed)
            : null;
        var report = new TrainingReport
        {
            Backbone = Path.GetFileName(options.Backbone),
            Method = options.Method,
            Classes = folder.Classes,
            ImagesPerClass = Enumerable.Range(0, k).Select(folder.CountOf).ToArray(),
            Preprocessing = PreprocessingText(preprocess, options.FullView, backbone.Resolution),
            Folds = folds,
            FoldProtocol = protocol,
            HeldOutAccuracy = evaluated.Length == 0 ? null : Metrics.Accuracy(truth, predictedFloat),
            HeldOutAccuracyInt8 = oofInt8 is null || evaluated.Length == 0 ? null : Metrics.Accuracy(truth, predicted),
            PerClass = Metrics.PerClass(confusion, folder.Classes),
            Confusion = confusion,
            Threshold = threshold,
            Lambda = options.Method == "centroid" ? null : finalLambda,
            Power = template.Power,
            Epochs = options.Method == "finetune" ? options.Settings.Epochs : 0,
            Seed = options.Settings.Seed,
            TrainingSeconds = Math.Round(trainWatch.Elapsed.TotalSeconds, 2),
            EmbeddingSeconds = Math.Round(embedWatch.Elapsed.TotalSeconds, 2),
            ImagesEmbedded = computed,
            ImagesFromCache = cached,
            PeakWorkingSetBytes = Process.GetCurrentProcess().PeakWorkingSet64,
        };
        _ = chosenLambda;

        var metadata = new List<(string, string)>
        {
            (LabelsKey, JsonSerializer.Serialize(folder.Classes.ToArray(), TrainingJsonContext.Default.StringArray)),
            (PreprocessingKey, report.Preprocessing),
            (SummaryKey, Summary(report)),
        };
        var onnx = HeadExporter.Export(backbone, final, finalRanges, tailOnly: false, metadata);
        return new TrainingResult(onnx, OnnxWriter.ToBytes(onnx), report);
    }

    /// <summary>The report as indented JSON (snake_case keys).</summary>
    public static string ToJson(TrainingReport report) => JsonSerializer.Serialize(report, TrainingJsonContext.Default.TrainingReport);

    private static void Validate(TrainingOptions o)
    {
        if (o.Method is not ("auto" or "finetune" or "linear" or "centroid"))
        {
            throw new EdgeMobileNetException($"--method: '{o.Method}' is not one of auto, finetune, linear, centroid");
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

    private static (HeadModel Model, float Lambda) Fit(HeadModel template, TrainingOptions options, int[] train, ActivationStore plain, ActivationStore? mirrored,
        float[][] hPlain, float[][]? hMirror, int[] labels, IProgress<TrainingProgress>? progress, string what, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var h = new List<float[]>();
        var x = new ActivationView();
        var y = new List<int>();
        foreach (var i in train)
        {
            h.Add(hPlain[i]);
            x.Add(plain, i);
            y.Add(labels[i]);
            if (hMirror is not null)
            {
                h.Add(hMirror[i]);
                x.Add(mirrored!, i);
                y.Add(labels[i]);
            }
        }

        var ya = y.ToArray();
        var m = template.Clone();
        if (options.Method == "centroid")
        {
            Centroids(m, h, ya);
            return (m, 0);
        }

        var lambda = Trainer.ChooseLambda(template, h, ya, options.Settings);
        Trainer.FitHead(m, h, ya, lambda, options.Settings.HeadIterations);
        if (options.Method == "finetune" && options.Settings.Epochs > 0)
        {
            var meter = new ProgressMeter(progress, $"fine-tuning ({what})", 1);
            Trainer.FineTune(m, x, ya, lambda, options.Settings, (step, steps) =>
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Report(new TrainingProgress($"fine-tuning ({what})", step, steps, 0, null));
            });
            _ = meter;
        }

        return (m, lambda);
    }

    /// <summary>Nearest class mean on cosine similarity (imprinting) of centred embeddings: the mean embedding of
    /// the training images is subtracted (images of one product share most of their activations), each class's
    /// weight is the normalised mean of its normalised centred embeddings. A query's norm scales every logit alike,
    /// so the argmax is the cosine one.</summary>
    private static void Centroids(HeadModel m, List<float[]> h, int[] y)
    {
        Array.Clear(m.Mean);
        foreach (var v in h)
        {
            TensorPrimitives.Add(m.Mean, v, m.Mean);
        }

        TensorPrimitives.Divide(m.Mean, h.Count, m.Mean);
        Array.Fill(m.Scale, 1f);
        Array.Clear(m.D);
        Array.Clear(m.V);
        var unit = new float[m.O];
        double meanNorm = 0;
        for (var i = 0; i < h.Count; i++)
        {
            TensorPrimitives.Subtract(h[i], m.Mean, unit);
            var norm = TensorPrimitives.Norm(unit);
            meanNorm += norm / h.Count;
            TensorPrimitives.Divide(unit, Math.Max(norm, 1e-12f), unit);
            var row = m.V.AsSpan(y[i] * m.O, m.O);
            TensorPrimitives.Add(row, unit, row);
        }

        for (var k = 0; k < m.K; k++)
        {
            var row = m.V.AsSpan(k * m.O, m.O);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                // Unit class vectors, scaled so that a typical query gives logits of a few units (a usable softmax).
                TensorPrimitives.Multiply(row, (float)(5.0 / (norm * Math.Max(meanNorm, 1e-12))), row);
            }
        }
    }

    private static float[][] RunTail(OnnxModel tail, ActivationView cut, string engine)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgemobilenet-head-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        OnnxWriter.Write(tail, path);
        try
        {
            using var c = ClassifierFactory.Create(path, new ClassifierOptions { Engine = engine, Threads = 1 });
            var result = new float[cut.Count][];
            for (var i = 0; i < cut.Count; i++)
            {
                cut.ChannelMajor(i).CopyTo(c.InputBuffer);
                result[i] = c.Run().ToArray();
                HeadModel.Softmax(result[i]);
            }

            return result;
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static int ArgMax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static string PreprocessingText(PreprocessOptions p, bool fullView, int resolution) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"resize\":\"{(fullView ? "whole image" : "centre crop")}\",\"resize_ratio\":{p.ResizeRatio},\"size\":{resolution},\"mean\":[{string.Join(",", p.Mean)}],\"std\":[{string.Join(",", p.Std)}],\"layout\":\"NCHW RGB\"}}");

    private static string Summary(TrainingReport r) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"method\":\"{r.Method}\",\"power\":{r.Power},\"epochs\":{r.Epochs},\"seed\":{r.Seed},\"images\":{r.ImagesPerClass.Sum()},\"folds\":{r.Folds},\"held_out_accuracy\":{(r.HeldOutAccuracy is { } f ? f.ToString("0.####", CultureInfo.InvariantCulture) : "null")},\"held_out_accuracy_int8\":{(r.HeldOutAccuracyInt8 is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "null")},\"reject_class\":{JsonSerializer.Serialize(r.Threshold?.RejectClass ?? "", TrainingJsonContext.Default.String)},\"threshold\":{r.Threshold?.Threshold ?? 0.5f}}}");
}
