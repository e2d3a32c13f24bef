using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>
/// The managed engine against ONNX Runtime on models made by our builder: V1, V2 (two widths and resolutions), V3-Large
/// and V3-Small; float, int8 QDQ with uint8 and int8 activations, QOperator, and the Keras-shaped variant. Same criteria
/// as for the shared models.
/// </summary>
public sealed class BuilderModelParityTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, ModelBuildOptions> Variants = new()
    {
        ["v1-0.5-160-float"] = Options(MobileNetArchitecture.MobileNetV1, 0.5, 160),
        ["v1-0.5-160-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV1, 0.5, 160) with { Precision = ModelPrecision.Int8 },
        ["v2-0.35-96-float"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96),
        ["v2-0.35-96-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Precision = ModelPrecision.Int8 },
        ["v2-0.35-96-qdq-s8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Precision = ModelPrecision.Int8, UnsignedActivations = false },
        ["v2-0.35-96-qoperator-u8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Precision = ModelPrecision.Int8, Format = QuantFormat.QOperator },
        ["v2-0.35-96-qoperator-s8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Precision = ModelPrecision.Int8, Format = QuantFormat.QOperator, UnsignedActivations = false },
        ["v2-0.35-96-keras-float"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Layout = ModelLayout.NhwcKeras },
        ["v2-0.35-96-keras-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Layout = ModelLayout.NhwcKeras, Precision = ModelPrecision.Int8 },
        ["v2-1.0-224-float"] = Options(MobileNetArchitecture.MobileNetV2, 1.0, 224),
        ["v2-1.0-224-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV2, 1.0, 224) with { Precision = ModelPrecision.Int8 },
        ["v3-large-1.0-224-float"] = Options(MobileNetArchitecture.MobileNetV3Large, 1.0, 224),
        ["v3-large-1.0-224-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV3Large, 1.0, 224) with { Precision = ModelPrecision.Int8 },
        ["v3-small-1.0-224-float-softmax"] = Options(MobileNetArchitecture.MobileNetV3Small, 1.0, 224) with { Softmax = true },
        ["v3-small-1.0-224-qdq-s8"] = Options(MobileNetArchitecture.MobileNetV3Small, 1.0, 224) with { Precision = ModelPrecision.Int8, UnsignedActivations = false },
        ["v1-0.5-160-qoperator-u8"] = Options(MobileNetArchitecture.MobileNetV1, 0.5, 160) with { Precision = ModelPrecision.Int8, Format = QuantFormat.QOperator },
        ["v3-small-0.75-160-keras-float"] = Options(MobileNetArchitecture.MobileNetV3Small, 0.75, 160) with { Layout = ModelLayout.NhwcKeras },
    };

    public static TheoryData<string> Names() => new(Variants.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesOrt(string variant)
    {
        var model = MobileNetModelBuilder.Build(Variants[variant]).Model;
        Compare(variant, model);
    }

    [Fact]
    public void ColourDemoModelMatchesOrt() => Compare("colour demo", ColourDemoModel.Build());

    private void Compare(string variant, OnnxModel model)
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "model.onnx");
        OnnxWriter.Write(model, path);
        using var engine = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed" });
        using var ort = new OrtReference(path);
        var rng = new Random(variant.Length);
        var x = new float[engine.Input.ElementCount];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = engine.Input.ElementKind == TensorElementKind.UInt8 ? rng.Next(256) : (rng.NextSingle() * 4) - 2;
        }

        x.CopyTo(engine.InputBuffer);
        var managed = engine.Run().ToArray();
        var expected = ort.Run(x);
        var step = OutputStep(model);
        var top = (ModelParityTests.ArgMax(managed), ModelParityTests.ArgMax(expected));
        if (step is { } s)
        {
            var equal = managed.Zip(expected).Count(p => p.First == p.Second);
            var worst = managed.Zip(expected, (a, b) => MathF.Abs(a - b)).Max();
            output.WriteLine($"{variant}: {equal}/{expected.Length} bit-identical, max |diff| {worst} (step {s}), top-1 {top}, arena {engine.PeakActivationBytes:N0} B");
            Assert.True(equal >= 0.99 * expected.Length, $"only {equal} of {expected.Length} equal");
            Assert.True(worst <= s * 1.001f, $"differs by {worst}, more than one step {s}");
        }
        else
        {
            var scale = expected.Max(MathF.Abs);
            var worst = managed.Zip(expected, (a, b) => MathF.Abs(a - b)).Max() / scale;
            output.WriteLine($"{variant}: max |diff| / max |logit| {worst:E2}, top-1 {top}, arena {engine.PeakActivationBytes:N0} B");
            Assert.True(worst <= 1e-3f, $"relative error {worst}");
        }

        Assert.Equal(top.Item2, top.Item1);
    }

    /// <summary>The logits' quantisation step when the output comes from DequantizeLinear (through Identity nodes);
    /// null for float outputs (float models, Softmax heads).</summary>
    private static float? OutputStep(OnnxModel m)
    {
        var name = m.Graph.Outputs[0].Name;
        var producer = m.Graph.Nodes.Single(n => n.Outputs.Contains(name));
        while (producer.OpType == "Identity")
        {
            name = producer.Inputs[0];
            producer = m.Graph.Nodes.Single(n => n.Outputs.Contains(name));
        }

        return producer.OpType == "DequantizeLinear"
            ? m.Graph.InitializerMap()[producer.Inputs[1]].ToFloatArray()[0]
            : null;
    }

    private static ModelBuildOptions Options(MobileNetArchitecture arch, double width, int resolution) =>
        new() { Architecture = arch, Width = width, Resolution = resolution, Seed = 7, CalibrationImages = 8 };
}
