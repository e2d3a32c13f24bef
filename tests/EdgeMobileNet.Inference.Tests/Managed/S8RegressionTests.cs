using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>
/// QDQ models with int8 (s8) activations whose depthwise convolutions ONNX Runtime leaves in float (a squeeze-excite
/// block reads the depthwise output twice, so it stays int8 and x86-64 ORT does not fuse it): the managed engine must
/// follow MLAS's im2col + SGEMM order there (<c>MlasConvOrder</c>). Before, one rounding step in the first block grew
/// to 2.3 % of the largest logit on the shared regression model. Compared with the real ONNX Runtime on the shared
/// reference inputs, the shared photos, and (for the cousins: builder models with s8 activations) the hymenoptera
/// photos.
/// </summary>
public sealed class S8RegressionTests(ITestOutputHelper output)
{
    private const string Regression = "models/regression/v3_small_qdq_s8_other_generator.onnx";

    public static TheoryData<string> SharedInputs()
    {
        var data = new TheoryData<string> { "models/regression/imagenet_finch_input_f32_1x3x224x224.npy" };
        foreach (var inp in ModelParityTests.Inputs())
        {
            data.Add((string)inp.Data);
        }

        foreach (var photo in new[] { "cat.jpg", "dog.jpg", "elephants.jpg", "grace_hopper.jpg", "imagenet_finch.jpeg" })
        {
            data.Add($"images/{photo}");
        }

        return data;
    }

    /// <summary>The final Gemm has a float output: every logit must agree to float rounding (it differed by 2.3 %).</summary>
    [Theory]
    [MemberData(nameof(SharedInputs))]
    public void OtherGeneratorV3SmallMatchesOrt(string input)
    {
        var model = TestAssets.Require(Regression);
        using var engine = ManagedClassifier.LoadManaged(model, new ClassifierOptions { Engine = "managed" });
        using var ort = new OrtReference(model);
        var x = Load(engine, TestAssets.Require(input));
        var worst = Compare(engine, ort, x, out var equal);
        output.WriteLine($"{Path.GetFileName(input)}: {equal}/1000 bit-identical, max |diff| / max |logit| {worst:E2}");
        Assert.True(worst <= 1e-5f, $"relative difference {worst}");
    }

    /// <summary>The regression model and builder models with s8 activations over the 245 hymenoptera photos.</summary>
    [Theory]
    [InlineData("regression")]
    [InlineData("v3-small-s8")]
    [InlineData("v3-large-s8")]
    [InlineData("v2-s8")]
    [InlineData("v1-s8")]
    public void CousinsMatchOrtOnPhotos(string variant)
    {
        var photos = Directory.GetFiles(TestAssets.Require("datasets/hymenoptera/train"), "*.jp*g", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.True(photos.Length >= 200, $"only {photos.Length} photos");
        var model = variant == "regression" ? TestAssets.Require(Regression) : Build(variant);
        using var engine = ManagedClassifier.LoadManaged(model, new ClassifierOptions { Engine = "managed" });
        using var ort = new OrtReference(model);
        var step = OutputStep(model);
        var worst = 0f;
        var differing = 0;
        foreach (var photo in photos)
        {
            var x = Load(engine, photo);
            var diff = Compare(engine, ort, x, out var equal);
            if (step is { } s)
            {
                // Quantised logits: ORT itself may round an output one step differently on another CPU (see docs).
                diff = MaxAbsDiff(engine, ort, x) / s;
            }

            differing += equal < 1000 ? 1 : 0;
            if (diff > (step is null ? 1e-5f : 1.001f))
            {
                output.WriteLine($"  {Path.GetFileName(photo)}: {equal}/1000 bit-identical, worst {diff:E2}");
            }

            worst = Math.Max(worst, diff);
        }

        output.WriteLine($"{variant}: {photos.Length} photos, {differing} with some logit not bit-identical, worst {(step is null ? "relative difference" : "steps")} {worst:E2}");
        Assert.True(step is null ? worst <= 1e-5f : worst <= 1.001f, $"worst {worst}");
    }

    private static float[] Load(ManagedClassifier engine, string path)
    {
        if (path.EndsWith(".npy", StringComparison.Ordinal))
        {
            return Npy.Read(path).Float32!;
        }

        var x = new float[engine.Input.ElementCount];
        new Preprocessor(engine.Input, PreprocessOptions.ImageNet).Run(ImageDecoder.Decode(path), x);
        return x;
    }

    private static float Compare(ManagedClassifier engine, OrtReference ort, float[] x, out int equal)
    {
        x.CopyTo(engine.InputBuffer);
        var managed = engine.Run().ToArray();
        var expected = ort.Run(x);
        equal = managed.Zip(expected).Count(p => p.First == p.Second);
        Assert.Equal(ModelParityTests.ArgMax(expected), ModelParityTests.ArgMax(managed));
        return managed.Zip(expected, (a, b) => MathF.Abs(a - b)).Max() / expected.Max(MathF.Abs);
    }

    private static float MaxAbsDiff(ManagedClassifier engine, OrtReference ort, float[] x)
    {
        x.CopyTo(engine.InputBuffer);
        var managed = engine.Run().ToArray();
        return managed.Zip(ort.Run(x), (a, b) => MathF.Abs(a - b)).Max();
    }

    private static string Build(string variant)
    {
        var arch = variant switch
        {
            "v3-small-s8" => MobileNetArchitecture.MobileNetV3Small,
            "v3-large-s8" => MobileNetArchitecture.MobileNetV3Large,
            "v2-s8" => MobileNetArchitecture.MobileNetV2,
            _ => MobileNetArchitecture.MobileNetV1,
        };
        var options = new ModelBuildOptions
        {
            Architecture = arch, Width = variant == "v1-s8" ? 0.5 : 1.0, Resolution = 224, Seed = 11, CalibrationImages = 8,
            Precision = ModelPrecision.Int8, UnsignedActivations = false,
        };
        var path = Path.Combine(TestAssets.NewTempDir(), $"{variant}.onnx");
        OnnxWriter.Write(MobileNetModelBuilder.Build(options).Model, path);
        return path;
    }

    /// <summary>The logits' step when a DequantizeLinear produces the output; null for a float output.</summary>
    private static float? OutputStep(string model)
    {
        var m = OnnxReader.Read(model);
        var producer = m.Graph.Nodes.Single(n => n.Outputs.Contains(m.Graph.Outputs[0].Name));
        return producer.OpType == "DequantizeLinear" ? m.Graph.InitializerMap()[producer.Inputs[1]].ToFloatArray()[0] : null;
    }
}
