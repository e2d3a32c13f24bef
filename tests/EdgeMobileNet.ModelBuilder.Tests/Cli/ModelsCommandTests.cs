using System.Text.Json;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelBuilder.Tests.Cli;

/// <summary>`edgemobilenet models …` through the real command tree and error policy (in process).</summary>
public sealed class ModelsCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = EdgeMobileNet.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Build_writes_the_model_and_reports_macs_and_parameters_as_json()
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "v2.onnx");
        var (code, output, error) = Run("models", "build", "--arch", "mobilenetv2", "--width", "0.35", "--resolution", "96",
            "--precision", "int8", "--activations", "s8", "--calibration-images", "4", "--classes", "10", "--out", path, "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("mobilenetv2", root.GetProperty("arch").GetString());
        Assert.Equal("int8 qdq s8", root.GetProperty("precision").GetString());
        var expected = MobileNetModelBuilder.Cost(new ModelBuildOptions { Width = 0.35, Resolution = 96, Classes = 10 });
        Assert.Equal(expected.Macs, root.GetProperty("macs").GetInt64());
        Assert.Equal(expected.Parameters, root.GetProperty("parameters").GetInt64());
        Assert.Equal(new FileInfo(path).Length, root.GetProperty("bytes").GetInt64());
        var model = OnnxReader.Read(path);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
    }

    [Fact]
    public void Build_prints_a_one_line_summary()
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "v1.onnx");
        var (code, output, _) = Run("models", "build", "--arch", "mobilenetv1", "--width", "0.25", "--resolution", "64", "--calibration-images", "2", "--out", path);
        Assert.Equal(0, code);
        Assert.Matches(@"^mobilenetv1 width 0\.25 @ 64, float: [0-9.]+M MACs, [0-9.]+M parameters -> .*v1\.onnx\n$", output.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("float")]
    [InlineData("int8")]
    public void Build_says_on_stderr_and_in_the_metadata_that_the_weights_are_untrained(string precision)
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "v2.onnx");
        var (code, output, error) = Run("models", "build", "--arch", "mobilenetv2", "--width", "0.35", "--resolution", "64",
            "--precision", precision, "--calibration-images", "2", "--classes", "10", "--out", path);

        Assert.True(code == 0, error);
        Assert.DoesNotContain("untrained", output);
        var line = Assert.Single(error.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("untrained", line);
        Assert.Contains("testing speed and numerics only", line);
        Assert.Contains(path, line);
        var metadata = OnnxReader.Read(path).Metadata;
        Assert.Contains(metadata, kv => kv.Key == "weights" && kv.Value.StartsWith("untrained:", StringComparison.Ordinal) && kv.Value.Contains("testing speed and numerics only"));
    }

    [Theory]
    [InlineData("edgemobilenet: --arch: unknown architecture 'resnet' (expected one of: mobilenetv1, mobilenetv2, mobilenetv3-large, mobilenetv3-small)", "--arch", "resnet")]
    [InlineData("edgemobilenet: --precision: unknown value 'int4' (expected one of: float, int8)", "--arch", "mobilenetv2", "--precision", "int4")]
    [InlineData("edgemobilenet: --activations: unknown value 'u16' (expected one of: u8, s8)", "--arch", "mobilenetv2", "--activations", "u16")]
    [InlineData("edgemobilenet: --layout: unknown value 'nhwc' (expected one of: nchw, nhwc-keras)", "--arch", "mobilenetv2", "--layout", "nhwc")]
    [InlineData("edgemobilenet: --resolution must be a multiple of 32 between 32 and 1024, got 100", "--arch", "mobilenetv2", "--resolution", "100")]
    public void Bad_arguments_exit_2_with_one_line(string message, params string[] args)
    {
        var (code, output, error) = Run(["models", "build", .. args, "--out", Path.Combine(TestAssets.NewTempDir(), "x.onnx")]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(message, error.TrimEnd('\n', '\r'));
    }

    [Fact]
    public void Demo_writes_model_and_labels()
    {
        var dir = TestAssets.NewTempDir();
        var (code, _, error) = Run("models", "demo", "--out", Path.Combine(dir, "demo.onnx"));
        Assert.True(code == 0, error);
        Assert.Equal(["empty", "red", "green", "blue", "yellow"], File.ReadAllLines(Path.Combine(dir, "demo.labels.txt")));
        Assert.Equal(5, OnnxReader.Read(Path.Combine(dir, "demo.onnx")).Graph.Outputs.Single().Dims![1].Value);
    }
}
