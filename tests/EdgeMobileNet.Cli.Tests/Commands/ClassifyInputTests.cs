using System.Text.Json;
using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Commands;

/// <summary>How classify feeds the model: normalisation options, ready-made tensors in other layouts, folders.</summary>
public sealed class ClassifyInputTests : IDisposable
{
    private readonly TempDir temp = new();

    private static float[] Logits(CliOutcome outcome, int result = 0)
    {
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        return JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results")[result].GetProperty("logits")
            .EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }

    [Fact]
    public void MeanAndStdReachThePreprocessor()
    {
        var cat = Path.Combine(TestAssets.Images, "cat.jpg");
        string[] common = ["classify", "--model", TestAssets.DerivedFloat, "--engine", "ort", "--json", "--logits", cat];
        var defaults = Logits(CliRun.InProcess(common));
        var explicitImageNet = Logits(CliRun.InProcess([.. common, "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225"]));
        var raw = Logits(CliRun.InProcess([.. common, "--mean", "0,0,0", "--std", "1,1,1"]));
        Assert.Equal(defaults, explicitImageNet);
        Assert.True(Tolerance.MaxAbsDifference(defaults, raw) > 0.1, "--mean/--std had no effect");
    }

    [Fact]
    public void NpyTensorFeedsAnNhwcUint8ModelAsIs()
    {
        var dir = temp.Path;
        var model = TinyOnnx.Write(
            Path.Combine(dir, "nhwc.onnx"),
            new TinyTensor("pixels", TinyOnnx.UInt8, 1, 2, 2, 3),
            new TinyTensor("out", TinyOnnx.Float, 1, 12),
            new TinyNode("Cast", ["pixels"], ["asfloat"], ("to", 1)),
            new TinyNode("Flatten", ["asfloat"], ["out"]));
        float[] values = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110];
        var tensor = Path.Combine(dir, "pixels.npy");
        NpyFile.WriteFloat32(tensor, [1, 2, 2, 3], values);
        Assert.Equal(values, Logits(CliRun.InProcess("classify", "--model", model, "--engine", "ort", "--json", "--logits", tensor)));
    }

    [Fact]
    public void FolderWithoutImagesIsReported()
    {
        var empty = temp.Path;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "no images here");
        var outcome = CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "ort", "--json", empty);
        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith($"edgemobilenet: {empty}: folder has no images", Assert.Single(outcome.StderrLines), StringComparison.Ordinal);
        Assert.Empty(JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results").EnumerateArray());
    }

    public void Dispose() => temp.Dispose();
}
