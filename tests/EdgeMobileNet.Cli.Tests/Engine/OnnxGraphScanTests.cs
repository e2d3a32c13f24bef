using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Inference.Engines.OnnxRuntime;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Engine;

public sealed class OnnxGraphScanTests
{
    [Fact]
    public void QdqModelOutputStepIsTheDocumentedQuantiserScale()
    {
        // MANIFEST.md: the QDQ model's output QuantizeLinear has scale 0.0212749; its DequantizeLinear mirrors it.
        var scan = OnnxGraphScan.Read(TestAssets.TorchvisionQdq);
        Assert.Equal(["class_logits"], scan.Outputs);
        Assert.Equal(0.0212749f, scan.OutputQuantisationStep("class_logits")!.Value, 6);
        Assert.Equal(301, scan.Nodes.Count);
    }

    [Fact]
    public void ZooInt8ModelEndsInADequantizeWithAScalarScale()
    {
        var scan = OnnxGraphScan.Read(TestAssets.ZooInt8);
        Assert.Equal(73, scan.Nodes.Count); // MANIFEST.md op count
        var step = scan.OutputQuantisationStep("output");
        Assert.NotNull(step);
        Assert.InRange(step.Value, 1e-4f, 1f);
        Assert.False(scan.IsSoftmaxOutput("output"));
    }

    [Fact]
    public void FloatModelHasNoOutputQuantiser()
    {
        var scan = OnnxGraphScan.Read(TestAssets.DerivedFloat);
        Assert.Equal(105, scan.Nodes.Count);
        Assert.Null(scan.OutputQuantisationStep("output"));
    }
}
