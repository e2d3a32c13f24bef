using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Execution;

/// <summary>
/// Intra-op threads change nothing: at 2 and 3 threads every model gives the same output bits as at 1 thread (integer
/// arithmetic is exact; float parts keep the whole layer's summation order), on the shared models with every reference
/// input and on builder-made V3 models (squeeze-excite, hard-swish). The split is checked to have happened, so the
/// comparison cannot pass by running everything on one thread.
/// </summary>
public sealed class ThreadParityTests(ITestOutputHelper output)
{
    private static readonly string[] InputNames =
    [
        "models/reference/inputs/cat_input_f32_1x3x224x224.npy",
        "models/reference/inputs/dog_input_f32_1x3x224x224.npy",
        "models/reference/inputs/elephants_input_f32_1x3x224x224.npy",
        "models/reference/inputs/grace_hopper_input_f32_1x3x224x224.npy",
        "models/reference/inputs/imagenet_finch_input_f32_1x3x224x224.npy",
        "images/grace_hopper_1x3x224x224_tract.npy",
    ];

    public static TheoryData<string, int> SharedModels()
    {
        var data = new TheoryData<string, int>();
        foreach (var model in new[] { "models/mobilenetv2-12-int8.onnx", "models/mobilenet_v2_torchvision_qdq_s8s8_randcalib.onnx", "models/DERIVED_mobilenetv2-12-int8-dequantized_fp32.onnx" })
        {
            data.Add(model, 2);
            data.Add(model, 3);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedModels))]
    public void SharedModelsGiveTheOneThreadBits(string model, int threads)
    {
        var path = TestAssets.Require(model);
        var inputs = InputNames.Select(n => Npy.Read(TestAssets.Require(n)).Float32!).ToArray();
        Compare(Path.GetFileName(path), path, threads, null, inputs);
    }

    public static TheoryData<string> BuilderVariants() =>
    [
        "v3-large-qdq-u8",
        "v3-small-qdq-s8",
        "v3-small-float",
    ];

    [Theory]
    [MemberData(nameof(BuilderVariants))]
    public void BuilderV3ModelsGiveTheOneThreadBits(string variant)
    {
        var options = variant switch
        {
            "v3-large-qdq-u8" => Options(MobileNetArchitecture.MobileNetV3Large) with { Precision = ModelPrecision.Int8 },
            "v3-small-qdq-s8" => Options(MobileNetArchitecture.MobileNetV3Small) with { Precision = ModelPrecision.Int8, UnsignedActivations = false },
            _ => Options(MobileNetArchitecture.MobileNetV3Small),
        };
        var path = Path.Combine(TestAssets.NewTempDir(), "model.onnx");
        OnnxWriter.Write(MobileNetModelBuilder.Build(options).Model, path);
        Compare(variant, path, 3, null, [RandomInput(path, 11), RandomInput(path, 12)]);
    }

    /// <summary>The scalar reference has no prepared kernels: each part runs ConvQuant with its own accumulator.</summary>
    [Fact]
    public void ScalarKernelsGiveTheOneThreadBits()
    {
        var path = TestAssets.ZooInt8;
        Compare("zoo int8 scalar", path, 2, "scalar", [Npy.Read(TestAssets.Require(InputNames[0])).Float32!]);
    }

    [Fact]
    public void ThreadCountIsReportedAndRefusedBelowOne()
    {
        using (var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Threads = 2 }))
        {
            Assert.Equal(2, engine.Threads);
            Assert.Equal(2, engine.Plan.Pool!.Threads);
        }

        using (var engine = ClassifierFactory.Create(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Threads = 3 }))
        {
            Assert.Equal(3, engine.Threads);
        }

        using (var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" }))
        {
            Assert.Equal(1, engine.Threads);
            Assert.Null(engine.Plan.Pool);
        }

        var ex = Assert.Throws<EdgeMobileNetException>(() => ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Threads = 0 }));
        Assert.Equal("--threads must be at least 1, got 0", ex.Message);
    }

    [Fact]
    public void DisposeStopsTheEngineThreads()
    {
        var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Threads = 3 });
        engine.Run();
        var pool = engine.Plan.Pool!;
        engine.Dispose();
        Assert.True(pool.AllThreadsStopped);
    }

    [Fact]
    public void AFailingPartNamesTheOperator()
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Threads = 2 });
        var conv = engine.Plan.Operators.OfType<QConvOperator>().First(o => o.Parts == 2);

        // An arena too small for the operator's tensors: every part fails slicing it, the workers' included.
        var ex = Assert.Throws<InvalidOperationException>(() => conv.Run(new Arena(16)));
        Assert.Contains($"operator '{conv.Name}'", ex.Message);
        Assert.IsType<ArgumentOutOfRangeException>(ex.InnerException);

        // The pool survives: the next inference runs normally.
        engine.Run();
    }

    private void Compare(string label, string path, int threads, string? isa, float[][] inputs)
    {
        using var one = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed", Isa = isa });
        using var many = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed", Isa = isa, Threads = threads });
        // Convolutions split into parts, fused inverted-residual blocks (row strips) into lanes.
        var split = many.Plan.Operators.Count(o => o is QConvOperator { Parts: > 1 } or ConvOperator { Parts: > 1 } or InvertedResidualOperator { Lanes: > 1 });
        var convs = many.Plan.Operators.Count(o => o is QConvOperator or ConvOperator or InvertedResidualOperator);
        output.WriteLine($"{label}: {split} of {convs} convolutions and fused blocks split across {threads} threads, kernels {many.Kernels}");
        Assert.True(split >= convs / 2, $"only {split} of {convs} convolutions and fused blocks were split");
        Assert.Contains(many.Plan.Operators, o => o is QConvOperator { Parts: var p } && p == threads || o is ConvOperator { Parts: var q } && q == threads);
        foreach (var x in inputs)
        {
            x.CopyTo(one.InputBuffer);
            x.CopyTo(many.InputBuffer);
            var expected = one.Run().ToArray();
            var actual = many.Run().ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{label}: {threads} threads differ from 1 thread ({expected.Zip(actual).Count(p => p.First != p.Second)} logits)");
        }
    }

    private static float[] RandomInput(string path, int seed)
    {
        using var engine = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed" });
        var rng = new Random(seed);
        return Enumerable.Range(0, engine.Input.ElementCount).Select(_ => (rng.NextSingle() * 4) - 2).ToArray();
    }

    private static ModelBuildOptions Options(MobileNetArchitecture architecture) =>
        new() { Architecture = architecture, Width = 1.0, Resolution = 224, Seed = 7, CalibrationImages = 8 };
}
