using System.Text.Json;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Training.Tests;

public sealed class TrainCommandTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void WritesTheModelAndTheJsonReportAndShowsProgress()
    {
        var data = TrainingAssets.CopySubset(TrainingAssets.Casting, 5);
        var outDir = TestAssets.NewTempDir();
        var model = Path.Combine(outDir, "parts.onnx");
        var (code, stdout, stderr) = Cli("train", "--backbone", TestAssets.ZooInt8, "--data", data, "--out", model, "--method", "linear", "--folds", "2", "--max-false-reject", "10%");
        Assert.True(code == 0, stderr);
        Assert.Contains("held-out accuracy", stdout);
        Assert.Contains("embedding 10/10", stderr);
        Assert.Contains("/s", stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(model + ".json"));
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("confusion").GetArrayLength());
        Assert.Equal(0.1, root.GetProperty("threshold").GetProperty("max_false_reject").GetDouble(), 1e-12);
        Assert.True(root.GetProperty("training_seconds").GetDouble() > 0);
        Assert.True(Directory.Exists(Path.Combine(outDir, ".edgemobilenet-cache")));

        // classify finds the labels in the model.
        var image = Directory.GetFiles(Path.Combine(data, "ok_front")).Order(StringComparer.Ordinal).First();
        var (c2, o2, e2) = Cli("classify", "--model", model, "--engine", "managed", "--top", "2", image);
        Assert.True(c2 == 0, e2);
        Assert.Contains("ok_front", o2);
        Assert.Contains("def_front", o2);
    }

    [Fact]
    public void AnUnreadableImageIsNamedWithExitCode2()
    {
        var data = TrainingAssets.CopySubset(TrainingAssets.Casting, 2);
        var bad = Path.Combine(data, "def_front", "aaa_truncated.jpeg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
        var (code, _, stderr) = Cli("train", "--backbone", TestAssets.ZooInt8, "--data", data, "--out", Path.Combine(TestAssets.NewTempDir(), "m.onnx"));
        Assert.Equal(2, code);
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("edgemobilenet:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains("aaa_truncated.jpeg", errors[0]);
    }

    [Theory]
    [InlineData("--data", "no-such-folder", "no-such-folder")]
    [InlineData("--max-false-reject", "abc", "--max-false-reject")]
    [InlineData("--method", "svm", "--method")]
    [InlineData("--folds", "1", "--folds")]
    [InlineData("--reject-class", "scratches", "--reject-class")]
    [InlineData("--augment", "mirror,twist", "--augment")]
    [InlineData("--lambdas", "0.1,-1", "--lambdas")]
    [InlineData("--test-rest", "true", "--test-rest")]
    public void BadInputIsOneLineNamingItWithExitCode2(string option, string value, string named)
    {
        var data = TrainingAssets.Casting;
        var args = new List<string> { "train", "--backbone", TestAssets.ZooInt8, "--data", data, "--out", Path.Combine(TestAssets.NewTempDir(), "m.onnx") };
        var i = args.IndexOf(option);
        if (i >= 0)
        {
            args[i + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, _, stderr) = Cli([.. args]);
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(named, lines[0]);
    }
}
