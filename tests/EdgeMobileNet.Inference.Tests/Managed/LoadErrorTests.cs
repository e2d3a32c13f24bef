using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Inference.Tests.Managed.Operators;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Xunit;
using A = EdgeMobileNet.Onnx.OnnxAttribute;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>What the engine cannot run fails at load with a one-line message naming the node, the op and what.</summary>
public sealed class LoadErrorTests
{
    [Fact]
    public void UnsupportedOperatorNamesNodeAndOp()
    {
        var m = new TinyModel([1, 3, 4, 4]);
        var y = m.Node("LpNormalization", ["x"]);
        var ex = Load(m.Save(y));
        Assert.Contains($"'{y}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LpNormalization", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedAttributeNamesIt()
    {
        var m = new TinyModel([1, 3, 8, 8]);
        var y = m.Node("AveragePool", ["x"], A.IntList("kernel_shape", 2, 2), A.Int("ceil_mode", 1));
        var ex = Load(m.Save(y));
        Assert.Contains($"'{y}' (AveragePool)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ceil_mode", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedElementTypeNamesTheTensor()
    {
        var m = new TinyModel([1, 3, 4, 4]);
        var half = m.Init(new OnnxTensor { Name = "half_bias", DataType = OnnxDataType.Float16, Dims = [1], RawData = [0, 60] });
        var y = m.Node("Add", ["x", half]);
        var ex = Load(m.Save(y));
        Assert.Contains("half_bias", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Float16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdShapeIsRejectedNotAllocated()
    {
        var m = new TinyModel([1, 3, 4, 4]);
        var y = m.Node("Reshape", [m.Floats([2]), m.Int64s(1 << 20, 1 << 20)]);
        var z = m.Node("Add", ["x", y]);
        var ex = Load(m.Save(z));
        Assert.Contains("Reshape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ActivationMemoryIsBounded()
    {
        // Five 64 MiB tensors alive at once: each is legal, together they exceed the arena limit.
        var m = new TinyModel([1, 3, 64, 64]);
        var branches = Enumerable.Range(0, 5).Select(_ => m.Node("Conv", ["x", m.Floats([4096, 3, 1, 1])])).ToList();
        var sum = branches[0];
        foreach (var b in branches.Skip(1))
        {
            sum = m.Node("Mul", [sum, b]);
        }

        var ex = Load(m.Save(sum));
        Assert.Contains("MiB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileAndNonOnnxBytes()
    {
        var dir = TestAssets.NewTempDir();
        var missing = Path.Combine(dir, "nope.onnx");
        Assert.Contains("file not found", Load(missing).Message, StringComparison.Ordinal);
        var junk = Path.Combine(dir, "junk.onnx");
        File.WriteAllText(junk, "this is not a protobuf model");
        Assert.StartsWith(junk, Load(junk).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModelNamesTheFileOnce()
    {
        var truncated = Path.Combine(TestAssets.NewTempDir(), "truncated.onnx");
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestAssets.ZooInt8)[..1000]);
        var message = Load(truncated).Message;
        Assert.StartsWith(truncated + ": ", message, StringComparison.Ordinal);
        Assert.Equal(1, message.Split(truncated).Length - 1);
    }

    [Fact]
    public void UnknownIsaIsAUserError()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => ManagedClassifier.Load(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed", Isa = "mmx" }));
        Assert.Contains("mmx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FactoryCreatesTheManagedEngine()
    {
        using var c = ClassifierFactory.Create(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" });
        Assert.Equal("managed", c.Engine);
        Assert.Equal(new ModelInputInfo("input", TensorLayout.Nchw, 3, 224, 224, TensorElementKind.Float32), c.Input);
        Assert.Equal(1000, c.Output.Classes);
        Assert.False(c.Output.IsProbability);
        Assert.IsAssignableFrom<IModelMemoryInfo>(c);
    }

    private static ModelLoadException Load(string path)
    {
        var ex = Assert.Throws<ModelLoadException>(() => ManagedClassifier.Load(path, new ClassifierOptions { Engine = "managed" }));
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }
}
