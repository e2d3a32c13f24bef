using System.Text.Json;
using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Commands;

/// <summary>Every user error is one line `edgemobilenet: ...` on stderr naming the culprit, and exit code 2.</summary>
public sealed class ErrorPolicyTests : IDisposable
{
    private readonly TempDir temp = new();

    private static string DogTensor => Models.ReferenceInputs().First(r => r.OutputStem == "dog").Input;

    private static void AssertOneLineError(CliOutcome outcome, params string[] fragments)
    {
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        var line = Assert.Single(outcome.StderrLines);
        Assert.StartsWith("edgemobilenet: ", line, StringComparison.Ordinal);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MissingModelFile()
    {
        var model = temp.File("missing.onnx");
        var outcome = CliRun.InProcess("classify", "--model", model, DogTensor);
        AssertOneLineError(outcome, $"{model}: model file not found");
        Assert.Empty(outcome.Stdout);
    }

    [Fact]
    public void TruncatedModel()
    {
        var model = temp.File("truncated.onnx");
        File.WriteAllBytes(model, File.ReadAllBytes(TestAssets.ZooInt8)[..1000]);
        AssertOneLineError(CliRun.InProcess("classify", "--model", model, "--engine", "ort", DogTensor), model, "not a loadable ONNX model");
    }

    [Fact]
    public void TextFileAsModel()
    {
        var model = temp.File("readme.onnx");
        File.WriteAllText(model, "# not a model\n");
        AssertOneLineError(CliRun.InProcess("classify", "--model", model, "--engine", "ort", DogTensor), model, "not a loadable ONNX model");
    }

    [Fact]
    public void ModelWhoseInputIsNotAnImage()
    {
        var model = TinyOnnx.Write(
            temp.File("vector.onnx"),
            new TinyTensor("features", TinyOnnx.Float, 1, 10),
            new TinyTensor("same", TinyOnnx.Float, 1, 10),
            new TinyNode("Identity", ["features"], ["same"]));
        AssertOneLineError(CliRun.InProcess("classify", "--model", model, "--engine", "ort", DogTensor),
            model, "input 'features' has shape [1,10]; expected an image tensor of rank 4");
    }

    [Fact]
    public void UnreadableImageAmongGoodOnesIsReportedAndTheOthersStillRun()
    {
        var bad = temp.File("broken.jpg");
        File.WriteAllText(bad, "not a jpeg");
        var finch = Path.Combine(TestAssets.Images, "imagenet_finch.jpeg");
        var dog = Path.Combine(TestAssets.Images, "dog.jpg");
        var outcome = CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "ort", "--json", finch, bad, dog);
        AssertOneLineError(outcome, bad);
        var results = JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([finch, dog], results.Select(r => r.GetProperty("input").GetString()));
        Assert.Equal([12, 258], results.Select(r => r.GetProperty("top")[0].GetProperty("index").GetInt32()));
    }

    [Fact]
    public void NpyOfTheWrongShapeIsReportedAndTheOthersStillRun()
    {
        var wrong = temp.File("small.npy");
        NpyFile.WriteFloat32(wrong, [1, 3, 32, 32], new float[3 * 32 * 32]);
        var outcome = CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "ort", "--json", wrong, DogTensor);
        AssertOneLineError(outcome, $"{wrong}: tensor shape [1,3,32,32] does not match model input 'input' [1,3,224,224]");
        var result = Assert.Single(JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal(258, result.GetProperty("top")[0].GetProperty("index").GetInt32());
    }

    [Fact]
    public void NonExistingInputIsReportedAndTheOthersStillRun()
    {
        var absent = temp.File("absent.jpg");
        var outcome = CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "ort", "--json", absent, DogTensor);
        AssertOneLineError(outcome, $"{absent}: input not found");
        Assert.Single(JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results").EnumerateArray());
    }

    [Fact]
    public void UnknownEngine() =>
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "tpu", DogTensor), "unknown engine 'tpu'");

    [Fact]
    public void ZeroThreads() =>
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--threads", "0", DogTensor), "--threads must be at least 1, got 0");

    [Fact]
    public void ZeroThreadsInABenchList() =>
        AssertOneLineError(CliRun.InProcess("bench", "--model", TestAssets.ZooInt8, "--threads", "1,0"), "--threads must be at least 1, got '0'");

    [Fact]
    public void NoInputAtAll() =>
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8), "no INPUT given");

    [Fact]
    public void TopZero() =>
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--top", "0", DogTensor), "--top must be at least 1, got 0");

    [Fact]
    public void NonNumericThreadsIsAParseError() =>
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--threads", "two", DogTensor), "two");

    [Fact]
    public void MissingModelOption() => AssertOneLineError(CliRun.InProcess("classify", DogTensor), "--model");

    [Fact]
    public void UnknownOption() =>
        AssertOneLineError(CliRun.InProcess("probe", "--frobnicate"), "--frobnicate");

    [Fact]
    public void LabelsFileWithTheWrongNumberOfLines()
    {
        var labels = temp.File("labels.txt");
        File.WriteAllLines(labels, ["cat", "dog"]);
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "ort", "--labels", labels, DogTensor),
            $"--labels: {labels} has 2 labels but the model has 1000 classes");
    }

    [Fact]
    public async Task ModelThatFailsToRun_IsOneLinePerInput_AndTheOtherInputsAreStillTried()
    {
        // The shared int8 MobileNetV2 with a QLinearConv's group set to 0: ONNX Runtime loads it and fails to run it.
        var onnx = Onnx.OnnxReader.Read(TestAssets.ZooInt8);
        var conv = onnx.Graph.Nodes.First(n => n.OpType == "QLinearConv");
        conv.Attributes.RemoveAll(a => a.Name == "group");
        conv.Attributes.Add(Onnx.OnnxAttribute.Int("group", 0));
        var model = temp.File("group0.onnx");
        Onnx.OnnxWriter.Write(onnx, model);
        var cat = Path.Combine(TestAssets.Images, "cat.jpg");
        var dog = Path.Combine(TestAssets.Images, "dog.jpg");

        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            ChildProcess.Edgemobilenet, ["classify", "--engine", "ort", "--model", model, cat, dog], TimeSpan.FromSeconds(60));

        Assert.True(code == 2, $"exit {code}\n{stderr}");
        var ours = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("edgemobilenet: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, ours.Length);
        Assert.StartsWith($"edgemobilenet: {cat}: the model {model} fails to run on ort (", ours[0]);
        Assert.StartsWith($"edgemobilenet: {dog}: the model {model} fails to run on ort (", ours[1]);
        Assert.DoesNotContain("internal error", stderr);
        // Nothing but our lines: ONNX Runtime's own log copy of the error ("[E:onnxruntime:...]") stays quiet.
        Assert.Equal(ours, stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void MeanWithTheWrongNumberOfValues() =>
        AssertOneLineError(CliRun.InProcess("classify", "--model", TestAssets.ZooInt8, "--engine", "ort", "--mean", "0.5,0.5", DogTensor),
            "--mean: model input 'input' has 3 channels, got 2 values");

    [Fact]
    public void VerboseAddsTheStackTrace()
    {
        var model = temp.File("missing.onnx");
        var outcome = CliRun.InProcess("classify", "--verbose", "--model", model, DogTensor);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal($"edgemobilenet: {model}: model file not found", outcome.StderrLines[0]);
        Assert.Contains(outcome.StderrLines, l => l.StartsWith("at ", StringComparison.Ordinal));
    }

    public void Dispose() => temp.Dispose();
}
