using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Training.Tests;

/// <summary>Plumbing on small subsets: cache, determinism, the written model on both engines, metadata.</summary>
public sealed class PipelineTests
{
    [Fact]
    public void RetrainingEmbedsOnlyNewImagesAndGivesTheSameBytes()
    {
        var data = TrainingAssets.CopySubset(TrainingAssets.Casting, 6);
        var cache = TestAssets.NewTempDir();
        var options = new TrainingOptions { Backbone = TestAssets.ZooInt8, Data = data, CacheDir = cache, Method = "linear", Folds = 3 };
        var first = TrainingPipeline.Run(options, null, TestContext.Current.CancellationToken);
        Assert.Equal(24, first.Report.ImagesEmbedded); // 12 images, plain and mirrored
        Assert.Equal(0, first.Report.ImagesFromCache);

        var again = TrainingPipeline.Run(options, null, TestContext.Current.CancellationToken);
        Assert.Equal(0, again.Report.ImagesEmbedded);
        Assert.Equal(24, again.Report.ImagesFromCache);
        Assert.Equal(first.ModelBytes, again.ModelBytes);

        // One more image: only it (both views) goes through the backbone; the model changes.
        var extra = Directory.GetFiles(Path.Combine(TrainingAssets.Casting, "ok_front")).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ElementAt(6);
        File.Copy(extra, Path.Combine(data, "ok_front", Path.GetFileName(extra)));
        var grown = TrainingPipeline.Run(options, null, TestContext.Current.CancellationToken);
        Assert.Equal(2, grown.Report.ImagesEmbedded);
        Assert.Equal(24, grown.Report.ImagesFromCache);
        Assert.NotEqual(first.ModelBytes, grown.ModelBytes);
    }

    [Fact]
    public void FineTunedInt8ModelGivesBitIdenticalLogitsOnBothEnginesAndCarriesItsLabels()
    {
        var data = TrainingAssets.CopySubset(TrainingAssets.Casting, 8);
        var options = new TrainingOptions
        {
            Backbone = TestAssets.ZooInt8, Data = data, CacheDir = TrainingAssets.SharedCache, Folds = 2, Method = "finetune",
            Settings = new TrainerSettings { Epochs = 1, BatchSize = 8 },
        };
        var reports = new ListProgress();
        var result = TrainingPipeline.Run(options, reports, TestContext.Current.CancellationToken);
        var second = TrainingPipeline.Run(options with { Settings = options.Settings with { Threads = 2 } }, null, TestContext.Current.CancellationToken);
        Assert.Equal(result.ModelBytes, second.ModelBytes); // the thread count does not change a bit

        // Progress a web job can show: every report carries its phase of the run (never going back) and the last
        // phase is the final fit; fine-tuning reports count optimiser steps with a rate.
        Assert.All(reports.Items, r => Assert.InRange(r.Phase, 1, r.Phases));
        Assert.Equal(reports.Items.Select(r => r.Phase).Order(), reports.Items.Select(r => r.Phase));
        var last = reports.Items[^1];
        Assert.Equal((last.Phases, "fine-tuning (final)"), (last.Phase, last.Stage));
        Assert.Equal(last.Total, last.Done);
        Assert.True(last.RatePerSecond > 0);
        Assert.Contains(reports.Items, r => r.Stage == "fine-tuning (fold 1/2)");
        Assert.Equal(["embedding", "grouping and pooling", "fold 1/2", "fold 2/2", "final fit"], result.Report.Stages.Select(st => st.Stage));

        var path = Path.Combine(TestAssets.NewTempDir(), "parts.onnx");
        File.WriteAllBytes(path, result.ModelBytes);
        Assert.Equal(["def_front", "ok_front"], TrainedModel.ReadLabels(path)!);
        var model = OnnxReader.Read(path);
        Assert.Contains(model.Metadata, kv => kv.Key == TrainingPipeline.PreprocessingKey && kv.Value.Contains("whole image", StringComparison.Ordinal));
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Conv" && n.Name == "head.conv");

        using var managed = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "managed" });
        using var ort = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "ort" });
        Assert.Equal(2, managed.Output.Classes);
        var pre = new Preprocessor(managed.Input, PreprocessOptions.ImageNet with { ResizeRatio = 1f });
        var images = Directory.GetFiles(Path.Combine(TrainingAssets.Casting, "def_front")).Order(StringComparer.Ordinal).Skip(100).Take(4)
            .Concat(Directory.GetFiles(Path.Combine(TrainingAssets.Casting, "ok_front")).Order(StringComparer.Ordinal).Skip(100).Take(4));
        var distinct = new HashSet<float>();
        foreach (var image in images)
        {
            pre.Run(ImageDecoder.Decode(image), managed.InputBuffer);
            managed.InputBuffer.CopyTo(ort.InputBuffer);
            var a = managed.Run().ToArray();
            var b = ort.Run().ToArray();
            Assert.Equal(a, b);
            distinct.Add(a[0]);
        }

        Assert.True(distinct.Count > 1, "the head gives the same logits for every image");
    }

    [Fact]
    public void QdqInt8BackboneWithInt8ActivationsAlsoGivesIdenticalLogits()
    {
        var data = TrainingAssets.CopySubset(TrainingAssets.Casting, 4);
        var result = TrainingPipeline.Run(new TrainingOptions
        {
            Backbone = TestAssets.TorchvisionQdq, Data = data, CacheDir = TrainingAssets.SharedCache, Folds = 2, Method = "finetune",
            Settings = new TrainerSettings { Epochs = 1, BatchSize = 4 },
        }, null, TestContext.Current.CancellationToken);
        Assert.NotNull(result.Report.HeldOutAccuracyInt8);
        var path = Path.Combine(TestAssets.NewTempDir(), "qdq.onnx");
        File.WriteAllBytes(path, result.ModelBytes);
        using var managed = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "managed" });
        using var ort = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "ort" });
        var pre = new Preprocessor(managed.Input, PreprocessOptions.ImageNet with { ResizeRatio = 1f });
        foreach (var image in Directory.GetFiles(Path.Combine(TrainingAssets.Casting, "ok_front")).Order(StringComparer.Ordinal).Skip(200).Take(3))
        {
            pre.Run(ImageDecoder.Decode(image), managed.InputBuffer);
            managed.InputBuffer.CopyTo(ort.InputBuffer);
            Assert.Equal(managed.Run().ToArray(), ort.Run().ToArray());
        }
    }

    [Fact]
    public void FloatBackboneGetsAFloatHead()
    {
        var data = TrainingAssets.CopySubset(TrainingAssets.Casting, 4);
        var result = TrainingPipeline.Run(new TrainingOptions { Backbone = TestAssets.DerivedFloat, Data = data, CacheDir = TrainingAssets.SharedCache, Method = "linear", Folds = 2, Mirror = false }, null, TestContext.Current.CancellationToken);
        Assert.Null(result.Report.HeldOutAccuracyInt8);
        Assert.DoesNotContain(result.Model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        var path = Path.Combine(TestAssets.NewTempDir(), "float.onnx");
        File.WriteAllBytes(path, result.ModelBytes);
        using var managed = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "managed" });
        Assert.Equal(2, managed.Output.Classes);
    }

    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class ListProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Items { get; } = [];

        public void Report(TrainingProgress value) => Items.Add(value);
    }
}
