using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.OnnxRuntime;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Engine;

public sealed class OrtClassifierTests : IDisposable
{
    private readonly TempDir temp = new();

    private static readonly ClassifierOptions Ort = new() { Engine = "ort", Threads = 1 };

    [Fact]
    public void RuntimeIsAvailable()
    {
        Assert.True(OrtClassifier.IsAvailable(out var reason), reason);
        var info = OrtClassifier.RuntimeInfo();
        Assert.StartsWith("1.", info.Version, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", info.Providers);
    }

    [Theory]
    [InlineData("zoo_int8", "input", "output")]
    [InlineData("tv_qdq", "image", "class_logits")]
    [InlineData("dequant_fp32", "input", "output")]
    public void DescribesTheSharedModels(string tag, string inputName, string outputName)
    {
        using var classifier = OrtClassifier.Load(Models.PathOf(tag), Ort with { Threads = 2 });
        Assert.Equal(new ModelInputInfo(inputName, TensorLayout.Nchw, 3, 224, 224, TensorElementKind.Float32), classifier.Input);
        Assert.Equal(new ModelOutputInfo(outputName, 1000, IsProbability: false), classifier.Output);
        Assert.Equal("ort", classifier.Engine);
        Assert.Equal(2, classifier.Threads);
        Assert.Equal(3 * 224 * 224, classifier.InputBuffer.Length);
    }

    [Theory]
    [MemberData(nameof(Models.Tags), MemberType = typeof(Models))]
    public void MatchesTheStoredReferenceLogits(string tag)
    {
        var model = Models.PathOf(tag);
        using var classifier = OrtClassifier.Load(model, Ort);
        foreach (var (input, stem) in Models.ReferenceInputs())
        {
            var (shape, data) = NpyFile.ReadFloat32(input);
            Assert.Equal([1, 3, 224, 224], shape);
            data.CopyTo(classifier.InputBuffer);
            var logits = classifier.Run();
            var (_, reference) = NpyFile.ReadFloat32(Models.ReferenceOutput(stem, tag));
            var deviation = Tolerance.MaxAbsDifference(logits, reference);
            var bound = Tolerance.For(tag, model, reference);
            TestContext.Current.TestOutputHelper?.WriteLine($"{tag} {stem}: max |diff| {deviation:G4} (bound {bound:G4})");
            Assert.True(deviation <= bound, $"{tag} {stem}: max |diff| {deviation} > {bound}");
        }
    }

    [Fact]
    public void SteadyStateRunsAllocateNoTensorSizedMemory()
    {
        using var classifier = OrtClassifier.Load(TestAssets.ZooInt8, Ort);
        classifier.InputBuffer.Fill(0.5f);
        for (var i = 0; i < 10; i++)
        {
            classifier.Run();
        }

        // Per-run deltas on this thread: other tests allocate on their own threads. The median ignores one-off
        // runtime work that can land inside a run while tiered compilation settles under load.
        var deltas = new long[41];
        for (var i = 0; i < deltas.Length; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            classifier.Run();
            deltas[i] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Array.Sort(deltas);

        // ONNX Runtime's managed Run wrapper allocates a few small handle arrays per call (measured 352 B here). A
        // fresh output tensor would be at least 4000 B (1000 floats), so this bound catches any per-run tensor.
        Assert.InRange(deltas[deltas.Length / 2], 0, 1024);
    }

    [Fact]
    public void SoftmaxHeadIsReportedAsAProbabilityOutput()
    {
        var path = TinyOnnx.Write(
            temp.File("softmax.onnx"),
            new TinyTensor("image", TinyOnnx.Float, 1, 3, 1, 1),
            new TinyTensor("prob", TinyOnnx.Float, 1, 3),
            new TinyNode("Flatten", ["image"], ["flat"]),
            new TinyNode("Softmax", ["flat"], ["prob"]));
        using var classifier = OrtClassifier.Load(path, Ort);
        Assert.Equal(new ModelOutputInfo("prob", 3, IsProbability: true), classifier.Output);

        float[] logits = [1f, 2f, 3f];
        logits.CopyTo(classifier.InputBuffer);
        var output = classifier.Run();
        var sum = logits.Sum(v => Math.Exp(v));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Math.Exp(logits[i]) / sum, output[i], 6);
        }
    }

    [Fact]
    public void NhwcUint8InputWithSymbolicBatchIsConvertedFromTheFloatBuffer()
    {
        var path = TinyOnnx.Write(
            temp.File("nhwc.onnx"),
            new TinyTensor("pixels", TinyOnnx.UInt8, "batch", 2, 2, 3),
            new TinyTensor("out", TinyOnnx.Float, "batch", 12),
            new TinyNode("Cast", ["pixels"], ["asfloat"], ("to", 1)),
            new TinyNode("Flatten", ["asfloat"], ["out"]));
        using var classifier = OrtClassifier.Load(path, Ort);
        Assert.Equal(new ModelInputInfo("pixels", TensorLayout.Nhwc, 3, 2, 2, TensorElementKind.UInt8), classifier.Input);
        Assert.Equal(new ModelOutputInfo("out", 12, IsProbability: false), classifier.Output);

        float[] values = [0f, 1f, 7.6f, 254.4f, 255f, 300f, -5f, 100.5f, 42f, 3f, 2f, 1f];
        values.CopyTo(classifier.InputBuffer);
        float[] expected = [0f, 1f, 8f, 254f, 255f, 255f, 0f, 100f, 42f, 3f, 2f, 1f]; // round half to even, clamp
        Assert.Equal(expected, classifier.Run().ToArray());
    }

    [Fact]
    public void MissingFileIsAModelLoadError()
    {
        var path = temp.File("absent.onnx");
        var e = Assert.Throws<ModelLoadException>(() => OrtClassifier.Load(path, Ort));
        Assert.Equal($"{path}: model file not found", e.Message);
    }

    [Fact]
    public void TruncatedModelIsAModelLoadError()
    {
        var path = temp.File("truncated.onnx");
        File.WriteAllBytes(path, File.ReadAllBytes(TestAssets.ZooInt8)[..1000]);
        var e = Assert.Throws<ModelLoadException>(() => OrtClassifier.Load(path, Ort));
        Assert.StartsWith($"{path}: not a loadable ONNX model (", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TextFileIsAModelLoadError()
    {
        var path = temp.File("notes.onnx");
        File.WriteAllText(path, "this is not a model\nsecond line\n");
        var e = Assert.Throws<ModelLoadException>(() => OrtClassifier.Load(path, Ort));
        Assert.StartsWith($"{path}: not a loadable ONNX model (", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void NonImageInputIsRejectedNamingTheInputAndItsShape()
    {
        var path = TinyOnnx.Write(
            temp.File("vector.onnx"),
            new TinyTensor("features", TinyOnnx.Float, 1, 10),
            new TinyTensor("same", TinyOnnx.Float, 1, 10),
            new TinyNode("Identity", ["features"], ["same"]));
        var e = Assert.Throws<ModelLoadException>(() => OrtClassifier.Load(path, Ort));
        Assert.Equal($"{path}: input 'features' has shape [1,10]; expected an image tensor of rank 4 (NCHW or NHWC)", e.Message);
    }

    [Fact]
    public void ChannelCountOtherThanOneOrThreeIsRejected()
    {
        var path = TinyOnnx.Write(
            temp.File("five.onnx"),
            new TinyTensor("x", TinyOnnx.Float, 1, 5, 7, 7),
            new TinyTensor("y", TinyOnnx.Float, 1, 245),
            new TinyNode("Flatten", ["x"], ["y"]));
        var e = Assert.Throws<ModelLoadException>(() => OrtClassifier.Load(path, Ort));
        Assert.Contains("input 'x' has shape [1,5,7,7]; expected 1 or 3 channels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputThatIsNotAClassVectorIsRejected()
    {
        var path = TinyOnnx.Write(
            temp.File("map.onnx"),
            new TinyTensor("x", TinyOnnx.Float, 1, 3, 2, 2),
            new TinyTensor("y", TinyOnnx.Float, 1, 3, 2, 2),
            new TinyNode("Identity", ["x"], ["y"]));
        var e = Assert.Throws<ModelLoadException>(() => OrtClassifier.Load(path, Ort));
        Assert.Equal($"{path}: output 'y' has shape [1,3,2,2]; expected [1,K] or [K] with a fixed class count K", e.Message);
    }

    [Fact]
    public void ZeroThreadsIsAUserError()
    {
        var e = Assert.Throws<EdgeMobileNetException>(() => OrtClassifier.Load(TestAssets.ZooInt8, Ort with { Threads = 0 }));
        Assert.Equal("--threads must be at least 1, got 0", e.Message);
    }

    public void Dispose() => temp.Dispose();
}
