using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Tests.EndToEnd;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>`run` with a model that carries its labels and preprocessing in its metadata, as `train` writes them.</summary>
public sealed class MetadataLabelsTests
{
    [Fact]
    public async Task Without_configured_labels_the_station_uses_the_models_labels_and_resize()
    {
        var dir = TestAssets.NewTempDir();
        string[] labels = [.. LabelFile.Read(TestAssets.Synset, 1000, "synset").Select(l => "m:" + l)];
        var model = ModelFiles.WithLabels(TestAssets.ZooInt8, dir, "trained.onnx", labels, """{"resize":"whole image","resize_ratio":1,"size":224}""");
        var events = new RecordingOutbox();
        using var host = InProcessStation.Build(
        [
            "--Model:Path", model, "--Model:Engine", "ort",
            "--Station:Id", "meta1", "--Station:StateDir", Path.Combine(dir, "state"), "--Station:MaxFrames", "3",
            "--Mqtt:Port", Support.FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Source:Kind", "synthetic", "--Source:Rate", "50", "--Trigger:Rate", "0",
            "--Decision:Rules:0:Class", "m:tench, Tinca tinca", "--Decision:Rules:0:Verdict", "reject",
            "--Gpio:Driver", "simulated",
        ], events);

        var classifier = host.Services.GetRequiredService<FrameClassifier>();
        Assert.Equal(labels, classifier.Labels);
        // The metadata's resize ratio 1 (whole image): a still image is decoded to the input size, not 256/224 of it.
        Assert.Equal(224, classifier.DecodeShortSide);
        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.WaitForShutdownAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, events.Events.Count);
        Assert.All(events.Events.Select(SwapEvent.Parse), e => Assert.StartsWith("m:", e.Label, StringComparison.Ordinal));
    }

    [Fact]
    public void Configured_labels_win_over_the_models_metadata()
    {
        var dir = TestAssets.NewTempDir();
        var model = ModelFiles.WithLabels(TestAssets.ZooInt8, dir, "trained.onnx", [.. Enumerable.Range(0, 1000).Select(i => $"m{i}")], """{"resize_ratio":1}""");
        using var host = InProcessStation.Build(
        [
            "--Model:Path", model, "--Model:Engine", "ort", "--Model:Labels", TestAssets.Synset,
            "--Station:StateDir", Path.Combine(dir, "state"), "--Mqtt:Enabled", "false", "--Source:Kind", "synthetic", "--Gpio:Driver", "simulated",
        ], new RecordingOutbox());
        var classifier = host.Services.GetRequiredService<FrameClassifier>();
        Assert.Equal("tench, Tinca tinca", classifier.Labels[0]);
        Assert.Equal(256, classifier.DecodeShortSide); // Model:ResizeRatio's default, 256/224
    }

    [Theory]
    [InlineData("""["a","b"]""", """{"resize_ratio":1}""", "a,b", 1f)]
    [InlineData("""not json""", """{"resize_ratio":"x"}""", null, null)]
    [InlineData("""["a",3]""", """{"resize_ratio":20}""", null, null)]
    [InlineData("""{"a":1}""", """[1]""", null, null)]
    public void The_metadata_reader_takes_only_well_formed_values(string labels, string preprocessing, string? expectedLabels, float? expectedRatio)
    {
        var dir = TestAssets.NewTempDir();
        var path = ModelFiles.WithMetadata(TestAssets.ZooInt8, dir, "m.onnx", [(ModelMetadata.LabelsKey, labels), (ModelMetadata.PreprocessingKey, preprocessing)]);
        var description = ModelMetadata.Read(path);
        Assert.Equal(expectedLabels, description.Labels is null ? null : string.Join(',', description.Labels));
        Assert.Equal(expectedRatio, description.ResizeRatio);
        Assert.Equal(ModelDescription.None, ModelMetadata.Read(Path.Combine(dir, "missing.onnx")));
    }
}
