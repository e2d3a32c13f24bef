using System.Security.Cryptography;
using System.Text.Json;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelTools.Info;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelTools.Tests.Info;

/// <summary>`models info` on every shared model and on builder models, checked against independent figures.</summary>
public sealed class InfoCommandTests
{
    private static JsonElement Info(string path)
    {
        var (code, output, error) = Verb.Run("models", "info", path, "--json");
        Assert.True(code == 0, error);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public static TheoryData<string> SharedModels()
    {
        var data = new TheoryData<string>();
        var dir = Path.Combine(TestAssets.SharedRoot, "models");
        if (Directory.Exists(dir))
        {
            foreach (var f in Directory.EnumerateFiles(dir, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(TestAssets.SharedRoot, f));
            }
        }
        else
        {
            data.Add("models/mobilenetv2-12-int8.onnx"); // reported missing by Require (fails under CI)
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedModels))]
    public void Every_shared_model_is_described_consistently_with_its_file(string relative)
    {
        var path = TestAssets.Require(relative);
        var info = Info(path);
        var model = OnnxReader.Read(path);
        var bytes = File.ReadAllBytes(path);

        Assert.Equal(bytes.Length, info.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), info.GetProperty("sha256").GetString());
        Assert.Equal(model.Graph.Nodes.Count, info.GetProperty("nodes").GetInt32());
        Assert.Equal(model.Graph.Nodes.Count, info.GetProperty("ops").EnumerateObject().Sum(p => p.Value.GetInt32()));
        Assert.Equal(model.OpsetVersion(""), info.GetProperty("opsets").GetProperty("ai.onnx").GetInt64());
        var input = Assert.Single(info.GetProperty("inputs").EnumerateArray());
        Assert.Equal(model.Graph.Inputs[0].Name, input.GetProperty("name").GetString());
        Assert.Equal(0, info.GetProperty("layersOfUnknownSize").GetInt32());

        // Every shared model runs in both engines on this machine (the manifest's reference runs).
        Assert.All(info.GetProperty("engines").EnumerateArray(), e => Assert.True(e.GetProperty("canRun").GetBoolean(), e.ToString()));

        // The MobileNetV2-1.0 files have the architecture's cost: the builder's figure for the same layer table
        // (computed from its own network description, not from a file).
        var expected = relative.Contains("v3_small", StringComparison.Ordinal)
            ? MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV3Small })
            : MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV2 });
        Assert.Equal(expected.Macs, info.GetProperty("macs").GetInt64());
        Assert.Equal(expected.Parameters, info.GetProperty("parameters").GetInt64());

        var quantisation = info.GetProperty("quantization").GetString()!;
        switch (Path.GetFileName(path))
        {
            case "mobilenetv2-12-int8.onnx":
                Assert.Equal("QOperator: QLinearConv and friends, uint8 activations, int8 weights per output channel", quantisation);
                break;
            case "mobilenet_v2_torchvision_qdq_s8s8_randcalib.onnx":
                Assert.Equal("QDQ: 65 QuantizeLinear, 171 DequantizeLinear, int8 activations, int8 weights per output channel", quantisation);
                break;
            case "DERIVED_mobilenetv2-12-int8-dequantized_fp32.onnx":
                Assert.Equal("float (not quantised)", quantisation);
                break;
            default:
                Assert.StartsWith("QDQ: ", quantisation, StringComparison.Ordinal);
                break;
        }
    }

    [Theory]
    [InlineData(MobileNetArchitecture.MobileNetV1, "float", "qdq", "nchw")]
    [InlineData(MobileNetArchitecture.MobileNetV2, "int8", "qoperator", "nchw")]
    [InlineData(MobileNetArchitecture.MobileNetV3Large, "int8", "qdq", "nhwc-keras")]
    [InlineData(MobileNetArchitecture.MobileNetV3Small, "float", "qdq", "nchw")]
    public void Builder_models_report_the_builder_s_cost_format_and_untrained_notice(MobileNetArchitecture arch, string precision, string format, string layout)
    {
        var dir = TestAssets.NewTempDir();
        var path = Path.Combine(dir, "m.onnx");
        var (code, _, error) = Verb.Run("models", "build", "--arch", arch.Name(), "--width", "0.5", "--resolution", "128", "--classes", "20",
            "--precision", precision, "--format", format, "--layout", layout, "--calibration-images", "2", "--out", path);
        Assert.True(code == 0, error);
        var info = Info(path);
        var cost = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = arch, Width = 0.5, Resolution = 128, Classes = 20 });
        Assert.Equal(cost.Macs, info.GetProperty("macs").GetInt64());
        Assert.Equal(cost.Parameters, info.GetProperty("parameters").GetInt64());
        var quantisation = info.GetProperty("quantization").GetString()!;
        Assert.StartsWith(precision == "float" ? "float" : format == "qdq" ? "QDQ" : "QOperator", quantisation, StringComparison.Ordinal);
        Assert.StartsWith(layout == "nchw" ? "NCHW" : "NHWC", info.GetProperty("preprocessing").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("untrained:", info.GetProperty("metadata").GetProperty("weights").GetString(), StringComparison.Ordinal);
        Assert.Equal("[1,20]", info.GetProperty("outputs")[0].GetProperty("shape").GetString());
    }

    [Fact]
    public void The_demo_model_s_labels_come_from_its_metadata_and_the_text_form_names_each_engine()
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "demo.onnx");
        Assert.Equal(0, Verb.Run("models", "demo", "--out", path).Code);
        var (code, output, error) = Verb.Run("models", "info", path);
        Assert.True(code == 0, error);
        Assert.Contains("  labels:        5: empty, red, green, blue, yellow", output);
        Assert.Contains("  engine ort:     can run it", output);
        Assert.Contains("  engine managed: can run it", output);
    }

    [Fact]
    public void An_engine_that_cannot_run_a_model_says_why()
    {
        // A graph both engines refuse to load as a classifier: its only input is not an image.
        var model = new OnnxModel { Opsets = [new OnnxOpset("", 13)] };
        model.Graph.Inputs.Add(OnnxValueInfo.Tensor("x", OnnxDataType.Float, 1, 10));
        model.Graph.Nodes.Add(new OnnxNode { OpType = "Relu", Inputs = ["x"], Outputs = ["y"] });
        model.Graph.Outputs.Add(OnnxValueInfo.Tensor("y", OnnxDataType.Float, 1, 10));
        var path = Path.Combine(TestAssets.NewTempDir(), "vector.onnx");
        OnnxWriter.Write(model, path);

        var summary = ModelInspector.Inspect(path);
        Assert.All(summary.Engines, e =>
        {
            Assert.False(e.CanRun);
            Assert.False(string.IsNullOrWhiteSpace(e.Reason));
        });
        Assert.Contains("4-D", summary.Engines.Single(e => e.Engine == "managed").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_onnx_exits_2_with_one_line()
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "broken.onnx");
        File.WriteAllBytes(path, [0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
        var (code, output, error) = Verb.Run("models", "info", path);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"edgemobilenet: {path}: ", Assert.Single(Verb.Lines(error)), StringComparison.Ordinal);
    }
}
