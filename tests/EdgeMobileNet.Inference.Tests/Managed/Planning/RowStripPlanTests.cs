using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Planning;

/// <summary>
/// Whole models planned with inverted-residual blocks in row strips against the same models planned with every
/// tensor whole: byte-identical logits, and the activation memory MobileNetV2's section 5 promises.
/// </summary>
public sealed class RowStripPlanTests(ITestOutputHelper output)
{
    private static readonly PlanOptions Whole = PlanOptions.Default with { Strips = false };

    public static TheoryData<string> SharedModels() =>
    [
        "models/mobilenetv2-12-int8.onnx",
        "models/mobilenet_v2_torchvision_qdq_s8s8_randcalib.onnx",
    ];

    private static readonly Dictionary<string, ModelBuildOptions> BuilderModels = new()
    {
        ["v2-1.0-224-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV2, 1.0, 224),
        ["v2-0.35-96-qoperator-s8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Format = QuantFormat.QOperator, UnsignedActivations = false },
        ["v3-large-1.0-224-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV3Large, 1.0, 224),
        ["v3-small-1.0-224-qdq-s8"] = Options(MobileNetArchitecture.MobileNetV3Small, 1.0, 224) with { UnsignedActivations = false },
    };

    public static TheoryData<string> BuilderNames() => new(BuilderModels.Keys);

    [Theory]
    [MemberData(nameof(SharedModels))]
    public void SharedModelsMatchTheWholePlan(string model) => CompareWithWholePlan(TestAssets.Require(model), PlanOptions.Default);

    [Theory]
    [MemberData(nameof(BuilderNames))]
    public void BuilderModelsMatchTheWholePlan(string variant)
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "model.onnx");
        OnnxWriter.Write(MobileNetModelBuilder.Build(BuilderModels[variant]).Model, path);
        var blocks = CompareWithWholePlan(path, PlanOptions.Default);
        if (variant.StartsWith("v3-large", StringComparison.Ordinal))
        {
            // Its squeeze-excite blocks with ReLU (the 40-channel stage) keep the depthwise output whole for the pool
            // and the scale: only expansion and depthwise are fused there, the projection runs after the scale.
            var se = blocks.Where(b => b.Project is null).ToList();
            Assert.Equal(3, se.Count);
            Assert.All(se, b => Assert.NotNull(b.Expand));
        }
    }

    [Fact]
    public void LanesAndStripHeightsDoNotChangeResults()
    {
        var path = TestAssets.Require("models/mobilenetv2-12-int8.onnx");
        CompareWithWholePlan(path, PlanOptions.Default with { Lanes = 2 });
        CompareWithWholePlan(path, PlanOptions.Default with { StripRows = 1, Lanes = 3 });
    }

    /// <summary>
    /// Issue 5's memory goal: MobileNetV2 1.0@224 int8 runs in at most 1.25 x its largest pair of adjacent bottleneck
    /// tensors, the input and output of its first block (stem output 112x112x32 + block output 112x112x16 at one byte).
    /// </summary>
    [Fact]
    public void MobileNetV2PeakIsWithinAQuarterOfTheLargestBottleneckPair()
    {
        using var strips = ManagedClassifier.LoadManaged(TestAssets.Require("models/mobilenetv2-12-int8.onnx"), new ClassifierOptions { Engine = "managed" });
        var blocks = strips.Plan.Operators.OfType<InvertedResidualOperator>().ToList();
        var pair = blocks.Max(b => b.Inputs[0].ByteLength + b.Output!.ByteLength);
        Assert.Equal(112 * 112 * (32 + 16), pair);
        Assert.Equal(17, blocks.Count); // every bottleneck block of the network
        output.WriteLine($"peak activations {strips.PeakActivationBytes:N0} B, naive plan {strips.NaiveActivationBytes:N0} B, largest bottleneck pair {pair:N0} B ({(double)strips.PeakActivationBytes / pair:F3}x)");
        Assert.True(strips.PeakActivationBytes <= pair * 5 / 4, $"peak {strips.PeakActivationBytes} B over 1.25 x {pair} B");

        // What remains above the pair is one strip buffer: the image is quantised straight from the caller's buffer, so
        // no float copy of it (4 x 224 x 224 x 3 B, larger than the pair) is planned.
        Assert.IsType<InputQuantizeOperator>(strips.Plan.Operators[0]);
        Assert.DoesNotContain(strips.Plan.Operators, o => o is QuantizeOperator);
        Assert.True(strips.PeakActivationBytes <= pair * 11 / 10, $"peak {strips.PeakActivationBytes} B over 1.1 x {pair} B");

        // The naive plan holds block 2's expanded tensor (112x112x96) and its depthwise output (56x56x96) at once.
        Assert.Equal((112 * 112 * 96) + (56 * 56 * 96), strips.NaiveActivationBytes);
        using var whole = ManagedClassifier.LoadManaged(TestAssets.Require("models/mobilenetv2-12-int8.onnx"), new ClassifierOptions { Engine = "managed" }, Whole);
        Assert.Equal(whole.PeakActivationBytes, strips.NaiveActivationBytes);
        Assert.Empty(whole.Plan.Operators.OfType<InvertedResidualOperator>());
    }

    private List<InvertedResidualOperator> CompareWithWholePlan(string path, PlanOptions options)
    {
        var classifierOptions = new ClassifierOptions { Engine = "managed" };
        using var whole = ManagedClassifier.LoadManaged(path, classifierOptions, Whole);
        using var strips = ManagedClassifier.LoadManaged(path, classifierOptions, options);
        var blocks = strips.Plan.Operators.OfType<InvertedResidualOperator>().ToList();
        Assert.NotEmpty(blocks);
        for (var seed = 1; seed <= 2; seed++)
        {
            var rng = new Random(seed);
            var x = new float[whole.Input.ElementCount];
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = whole.Input.ElementKind == TensorElementKind.UInt8 ? rng.Next(256) : (rng.NextSingle() * 4) - 2;
            }

            x.CopyTo(whole.InputBuffer);
            x.CopyTo(strips.InputBuffer);
            var expected = whole.Run().ToArray();
            var actual = strips.Run().ToArray();
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }

        // Strips, halos and window kernels are all set up at load: a run allocates nothing once the runtime's own
        // one-off work (tiered compilation of the new code paths) has settled.
        Execution.WarmUp.UntilAllocationsSettle(() => strips.Run(), () => 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        strips.Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        output.WriteLine($"{Path.GetFileName(path)}: {blocks.Count} fused blocks ({blocks.Count(b => b.Project is null)} without projection), arena {strips.PeakActivationBytes:N0} B, whole plan {whole.PeakActivationBytes:N0} B");
        return blocks;
    }

    private static ModelBuildOptions Options(MobileNetArchitecture arch, double width, int resolution) =>
        new() { Architecture = arch, Width = width, Resolution = resolution, Seed = 7, CalibrationImages = 8, Precision = ModelPrecision.Int8 };
}
