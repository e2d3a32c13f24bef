using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>
/// Our choice of which QDQ convolutions run as integer kernels equals ONNX Runtime's: its optimised graph is saved and
/// read back, and the convolutions it left in float must be exactly the ones our plan runs in float.
/// </summary>
public sealed class QdqFusionRuleTests(ITestOutputHelper output)
{
    [Fact]
    public void FloatConvsAreTheOnesOrtLeavesInFloat()
    {
        var model = TestAssets.TorchvisionQdq;
        var optimized = Path.Combine(TestAssets.NewTempDir(), "optimized.onnx");
        using (var options = new SessionOptions { IntraOpNumThreads = 1, OptimizedModelFilePath = optimized })
        using (new InferenceSession(model, options))
        {
        }

        var ortGraph = OnnxReader.Read(optimized).Graph;
        var ortFloat = ortGraph.Nodes.Where(n => n.OpType == "Conv").Select(n => n.Name).ToHashSet();
        var ortInteger = ortGraph.Nodes.Count(n => n.OpType == "QLinearConv");

        // The whole-tensor plan: row strips would fold the integer convolutions into inverted-residual operators.
        using var engine = ManagedClassifier.LoadManaged(model, new ClassifierOptions { Engine = "managed" }, PlanOptions.Default with { Strips = false });
        var ours = engine.Plan.Operators.OfType<ConvOperator>().Select(o => o.Name.Split('+')[0]).ToHashSet();
        var oursInteger = engine.Plan.Operators.OfType<QConvOperator>().Count(o => o.Name.StartsWith("node_Conv", StringComparison.Ordinal));

        output.WriteLine($"ORT: {ortFloat.Count} float Conv, {ortInteger} QLinearConv; managed: {ours.Count} float, {oursInteger} integer");
        Assert.NotEmpty(ortFloat);
        Assert.Equal(ortFloat.Order(), ours.Order());
        Assert.Equal(ortInteger, oursInteger);
    }
}
