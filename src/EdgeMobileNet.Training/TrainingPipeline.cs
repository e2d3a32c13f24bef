using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Training;

/// <summary>A trained model: the ONNX object (already carrying labels, preprocessing and summary in its
/// metadata), its bytes and the report.</summary>
public sealed record TrainingResult(OnnxModel Model, byte[] ModelBytes, TrainingReport Report);

/// <summary>
/// Train from a folder, get a model and a report: embeds the images through the frozen backbone (cached), measures
/// the method on held-out folds, fits it on all images and writes the ONNX model. Callable in-process (the station
/// passes a progress sink and a cancellation token).
/// </summary>
public static partial class TrainingPipeline
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
        ImageFolder? rest = null;
        if (options.PerClass is { } per)
        {
            rest = options.TestRest ? folder.Rest(per) : null;
            folder = folder.Take(per);
        }
        else if (options.TestRest)
        {
            throw new EdgeMobileNetException("--test-rest needs --per-class (the images after the first N of each class are the test set)");
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
        var augment = options.Augment == "auto"
            ? (options.Mirror ? "mirror" : "none")
            : options.Augment;
        var extraViews = options.Method == "centroid" ? [] : Augmentation.Set(augment);
        var k = folder.Classes.Count;
        var minClass = Enumerable.Range(0, k).Min(folder.CountOf);
        var folds = Math.Min(options.Folds, minClass);
        folds = folds >= 2 ? folds : 0;

        // Phases of the run, for progress: each embedded view, pooling, each fold, the final fit.
        var phases = 1 + extraViews.Count + 1 + folds + 1;
        var stages = new List<StageTime>();
        var plain = new ActivationStore(backbone.InChannels, backbone.Positions, backbone.CutQuant);
        var extra = new List<ActivationStore>();
        ActivationStore? restStore = null;
        int computed, cached;
        using (var embedder = new Embedder(backbone, preprocess, options.Engine, options.CacheDir))
        {
            embedder.Embed(folder.Images, Augmentation.Plain, plain, Phase(progress, 1, phases), cancel);
            foreach (var view in extraViews)
            {
                var store = new ActivationStore(backbone.InChannels, backbone.Positions, backbone.CutQuant);
                embedder.Embed(folder.Images, view, store, Phase(progress, 2 + extra.Count, phases), cancel);
                extra.Add(store);
            }

            if (rest is not null)
            {
                restStore = new ActivationStore(backbone.InChannels, backbone.Positions, backbone.CutQuant);
                embedder.Embed(rest.Images, Augmentation.Plain, restStore, Phase(progress, 1, phases), cancel);
            }

            (computed, cached) = (embedder.Computed, embedder.FromCache);
        }

        embedWatch.Stop();
        var embeddingPeak = Process.GetCurrentProcess().PeakWorkingSet64;
        ReleaseStageMemory(options);

        stages.Add(new StageTime("embedding", Seconds(embedWatch)));
        var trainWatch = Stopwatch.StartNew();
        var stageWatch = Stopwatch.StartNew();
        var labels = folder.Images.Select(i => i.Label).ToArray();
        var mirrored = extraViews.Contains(Augmentation.Mirror) ? extra[extraViews.ToList().IndexOf(Augmentation.Mirror)] : null;
        int[] fold;
        string protocol;
        if (folds >= 2)
        {
            var means = Enumerable.Range(0, plain.Count).Select(i => Folds.ChannelMeans(plain.PositionMajor(i), plain.Channels)).ToList();
            var meansMirror = mirrored is null ? null : Enumerable.Range(0, mirrored.Count).Select(i => Folds.ChannelMeans(mirrored.PositionMajor(i), mirrored.Channels)).ToList();
            var (assigned, groups, linked) = Folds.Assign(means, meansMirror, labels, folds);
            fold = assigned;
            protocol = string.Create(CultureInfo.InvariantCulture,
                $"{folds}-fold cross-validation; images whose pooled activations have cosine similarity >= {Folds.LinkCosine} (plain or mirrored) are linked and linked groups stay in one fold ({groups} groups holding {linked} images); classes balanced per fold; augmented views ({augment}) are training samples only");
        }
        else
        {
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
        var poolMeter = new ProgressMeter(progress, "pooling", plain.Count * (1 + extra.Count), phases - folds - 1, phases);
        var hPlain = template.PoolAll(plain.Select(allIndices), options.Settings.Threads, done => poolMeter.Report(done));
        var hExtra = new List<float[][]>();
        foreach (var store in extra)
        {
            var before = plain.Count * (1 + hExtra.Count);
            hExtra.Add(template.PoolAll(store.Select(allIndices), options.Settings.Threads, done => poolMeter.Report(before + done)));
        }

        var views = new TrainingViews(plain, extra, hPlain, hExtra, labels);
        stages.Add(new StageTime("grouping and pooling", Seconds(stageWatch)));

        var oofProb = new float[labels.Length][];
        var oofInt8 = backbone.IsQuantized ? new float[labels.Length][] : null;
        for (var f = 0; f < folds; f++)
        {
            ReleaseStageMemory(options);
            stageWatch.Restart();
            var train = Enumerable.Range(0, labels.Length).Where(i => fold[i] != f).ToArray();
            var test = Enumerable.Range(0, labels.Length).Where(i => fold[i] == f).ToArray();
            var (model, _) = Fit(template, options, train, views, progress, $"fold {f + 1}/{folds}", (phases - folds + f, phases), cancel);
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

            stages.Add(new StageTime($"fold {f + 1}/{folds}", Seconds(stageWatch)));
        }

        // The model shipped: the same procedure on every image.
        stageWatch.Restart();
        var all = Enumerable.Range(0, labels.Length).ToArray();
        var (final, finalLambda) = Fit(template, options, all, views, progress, "final", (phases, phases), cancel);
        var finalRanges = HeadRanges.Calibrate(final, plain.Select(all), options.Settings.Threads);
        stages.Add(new StageTime("final fit", Seconds(stageWatch)));
        RestTestReport? restReport = null;
        if (rest is not null && restStore is not null && rest.Images.Count > 0)
        {
            stageWatch.Restart();
            restReport = TestOnRest(backbone, final, finalRanges, restStore, rest.Images.Select(i => i.Label).ToArray(), options, k);
            stages.Add(new StageTime("test on the rest", Seconds(stageWatch)));
        }
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
            EmbeddingPeakWorkingSetBytes = embeddingPeak,
            Augment = extraViews.Count == 0 ? "none" : augment,
            Stages = stages,
            RestTest = restReport,
        };

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

    private static double Seconds(Stopwatch w) => Math.Round(w.Elapsed.TotalSeconds, 2);

    /// <summary>Stamps reports with the phase of the run they belong to.</summary>
    private static IProgress<TrainingProgress>? Phase(IProgress<TrainingProgress>? sink, int phase, int phases) =>
        sink is null ? null : new PhaseProgress(sink, phase, phases);

    private sealed class PhaseProgress(IProgress<TrainingProgress> sink, int phase, int phases) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => sink.Report(value with { Phase = phase, Phases = phases });
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
}
