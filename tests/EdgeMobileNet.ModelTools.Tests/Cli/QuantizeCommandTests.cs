using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelTools.Tests.Cli;

/// <summary>`models quantize` and `models compare` through the real command tree.</summary>
public sealed class QuantizeCommandTests
{
    [Fact]
    public void Quantize_shows_progress_writes_the_model_and_reports_agreement()
    {
        var dir = TestAssets.NewTempDir();
        var floatPath = Path.Combine(dir, "v2.onnx");
        var (code, _, error) = Verb.Run("models", "build", "--arch", "mobilenetv2", "--width", "0.35", "--resolution", "96", "--classes", "10", "--calibration-images", "2", "--out", floatPath);
        Assert.True(code == 0, error);
        var int8 = Path.Combine(dir, "v2-int8.onnx");
        (code, var output, error) = Verb.Run("models", "quantize", "--model", floatPath, "--calibration", TestAssets.Require("datasets/hymenoptera"),
            "--calibration-images", "20", "--method", "mse", "--activations", "s8", "--out", int8, "--validate", TestAssets.Images, "--engine", "managed");
        Assert.True(code == 0, error);
        Assert.Contains("calibrating 20/20 (", error);
        Assert.Matches(@"ETA [0-9]+ s", error);
        Assert.Contains("(s8, mse)", output);
        Assert.Matches(@"agreement on .*images \(5 images, managed\): top-1 [0-5]/5", output);
        var model = OnnxReader.Read(int8);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "QuantizeLinear");

        (code, output, error) = Verb.Run("models", "compare", "--reference", floatPath, "--model", int8, "--engine", "ort", TestAssets.Images);
        Assert.True(code == 0, error);
        Assert.Matches(@"\(5 images, ort\): top-1 [0-5]/5 \([0-9.]+%\), mean \|logit error\| [0-9.]+", output);
    }

    [Fact]
    public void Validation_leaves_out_the_calibration_images()
    {
        var dir = TestAssets.NewTempDir();
        var floatPath = Path.Combine(dir, "v1.onnx");
        Assert.Equal(0, Verb.Run("models", "build", "--arch", "mobilenetv1", "--width", "0.25", "--resolution", "64", "--classes", "5", "--calibration-images", "2", "--out", floatPath).Code);
        var (code, output, error) = Verb.Run("models", "quantize", "--model", floatPath, "--calibration", TestAssets.Images, "--out", Path.Combine(dir, "q.onnx"),
            "--validate", TestAssets.Images, "--engine", "managed");
        Assert.True(code == 0, error);
        Assert.Contains($"agreement on {TestAssets.Images}: no images left once the calibration images are set aside", output);
    }

    [Fact]
    public void An_already_quantised_model_exits_2_with_one_line()
    {
        var (code, output, error) = Verb.Run("models", "quantize", "--model", TestAssets.ZooInt8, "--calibration", TestAssets.Images, "--out", Path.Combine(TestAssets.NewTempDir(), "x.onnx"));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(Verb.Lines(error));
        Assert.StartsWith($"edgemobilenet: {TestAssets.ZooInt8}: already quantised (node ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--method", "kl", "edgemobilenet: --method: unknown value 'kl' (expected one of: minmax, percentile, mse)")]
    [InlineData("--activations", "u16", "edgemobilenet: --activations: unknown value 'u16' (expected one of: u8, s8)")]
    [InlineData("--calibration-images", "0", "edgemobilenet: --calibration-images must be at least 1, got 0")]
    public void Bad_options_exit_2_with_one_line(string option, string value, string message)
    {
        var (code, _, error) = Verb.Run("models", "quantize", "--model", TestAssets.DerivedFloat, "--calibration", TestAssets.Images, option, value, "--out", Path.Combine(TestAssets.NewTempDir(), "x.onnx"));
        Assert.Equal(2, code);
        Assert.Equal(message, Assert.Single(Verb.Lines(error)));
    }

    [Fact]
    public void A_calibration_folder_without_images_exits_2_naming_it()
    {
        var empty = TestAssets.NewTempDir();
        var (code, _, error) = Verb.Run("models", "quantize", "--model", TestAssets.DerivedFloat, "--calibration", empty, "--out", Path.Combine(empty, "x.onnx"));
        Assert.Equal(2, code);
        Assert.Equal($"edgemobilenet: --calibration: {empty}: no images (.jpg, .jpeg, .png, .bmp, .webp) in it or its subfolders", Assert.Single(Verb.Lines(error)));
    }
}
