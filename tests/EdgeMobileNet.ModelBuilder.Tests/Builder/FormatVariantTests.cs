using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Calibration;
using EdgeMobileNet.ModelBuilder.Export;
using EdgeMobileNet.ModelBuilder.Network;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

/// <summary>The QOperator (zoo-style) and Keras/tf2onnx-shaped variants, run in ONNX Runtime.</summary>
public sealed class FormatVariantTests
{
    private static readonly IReadOnlyList<float[]> HeldOut = SyntheticImages.Generate(8, 96, 31337);

    [Theory]
    [InlineData(MobileNetArchitecture.MobileNetV1, true)]
    [InlineData(MobileNetArchitecture.MobileNetV2, true)]
    [InlineData(MobileNetArchitecture.MobileNetV2, false)]
    public void QOperator_model_has_the_zoo_shape_and_tracks_the_float_model(MobileNetArchitecture arch, bool unsigned)
    {
        var options = new ModelBuildOptions { Architecture = arch, Width = 0.35, Resolution = 96, CalibrationImages = 32, Seed = 3 };
        var q = MobileNetModelBuilder.Build(options with { Precision = ModelPrecision.Int8, Format = QuantFormat.QOperator, UnsignedActivations = unsigned }).Model;
        var f = MobileNetModelBuilder.Build(options).Model;

        var ops = q.Graph.Nodes.GroupBy(n => (n.Domain, n.OpType)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(arch == MobileNetArchitecture.MobileNetV1 ? 27 : 52, ops[("", "QLinearConv")]);
        Assert.Equal(1, ops[("com.microsoft", "QLinearGlobalAveragePool")]);
        Assert.Equal(1, ops[("", "QLinearMatMul")]);
        Assert.Equal(arch == MobileNetArchitecture.MobileNetV2 ? 11 : 1, ops[("com.microsoft", "QLinearAdd")]);
        Assert.DoesNotContain(q.Graph.Nodes, n => n.OpType is "Conv" or "Clip" or "Relu");

        AssertTracks(OnnxWriter.ToBytes(f), OnnxWriter.ToBytes(q), x => x);
    }

    [Theory]
    [InlineData(MobileNetArchitecture.MobileNetV2)]
    [InlineData(MobileNetArchitecture.MobileNetV3Small)]
    public void Keras_shaped_model_matches_its_reference_and_int8_tracks_it(MobileNetArchitecture arch)
    {
        var options = new ModelBuildOptions { Architecture = arch, Width = 0.35, Resolution = 96, Layout = ModelLayout.NhwcKeras, Seed = 5 };
        var net = MobileNetModelBuilder.CreateNet(options);
        var ranges = ReferenceExecutor.Calibrate(net, SyntheticImages.Generate(32, 96, 5));
        var model = StandardOpsExporter.Export(net, null, unsigned: true, softmax: false, keras: true);

        Assert.Equal("Transpose", model.Graph.Nodes[0].OpType);
        Assert.Equal([1L, 96, 96, 3], model.Graph.Inputs[0].Dims!.Select(d => d.Value!.Value));
        Assert.Equal("Softmax", model.Graph.Nodes[^1].OpType);
        var stridedDepthwise = net.Ops.OfType<ConvOp>().Count(c => c.IsDepthwise && c.Stride == 2);
        Assert.Equal(stridedDepthwise, model.Graph.Nodes.Count(n => n.OpType == "Pad"));
        Assert.All(model.Graph.Nodes.Where(n => n.OpType == "Conv" && n.GetInt("group", 1) > 1 && n.GetInts("strides")![0] == 2),
            n => Assert.Equal([0L, 0, 0, 0], n.GetInts("pads")!));
        if (arch == MobileNetArchitecture.MobileNetV2)
        {
            Assert.Contains(model.Graph.Nodes, n => n.OpType == "Clip" && n.Inputs.Count == 3);
        }

        using var ort = new OrtRunner(OnnxWriter.ToBytes(model));
        var reference = ReferenceExecutor.Run(net, HeldOut);
        for (var i = 0; i < HeldOut.Count; i++)
        {
            var expected = Softmax(reference[i]);
            var actual = ort.Run(Logits.ToNhwc(HeldOut[i], 96));
            Assert.True(Logits.RelativeError(expected, actual) < 1e-3, $"input {i}");
        }

        var int8 = StandardOpsExporter.Export(net, ranges, unsigned: true, softmax: false, keras: true);
        Assert.Contains(int8.Graph.Nodes, n => n.OpType == "Pad" && int8.Graph.Nodes.Any(q => q.OpType == "QuantizeLinear" && q.Outputs[0] == n.Inputs[0]));

        // Compare before the softmax: strip it from both to correlate logits.
        AssertTracks(OnnxWriter.ToBytes(WithoutSoftmax(model)), OnnxWriter.ToBytes(WithoutSoftmax(int8)), x => Logits.ToNhwc(x, 96));
    }

    private static void AssertTracks(byte[] floatModel, byte[] int8Model, Func<float[], float[]> layout)
    {
        using var f = new OrtRunner(floatModel);
        using var q = new OrtRunner(int8Model);
        var correlation = HeldOut.Average(x => Logits.Correlation(f.Run(layout(x)), q.Run(layout(x))));
        TestContext.Current.TestOutputHelper?.WriteLine($"mean logit correlation int8 vs float: {correlation:F3}");
        Assert.True(correlation > 0.6, $"correlation {correlation:F3}");
    }

    private static OnnxModel WithoutSoftmax(OnnxModel model)
    {
        var softmax = model.Graph.Nodes[^1];
        model.Graph.Nodes.RemoveAt(model.Graph.Nodes.Count - 1);
        model.Graph.Outputs[0].Name = softmax.Inputs[0];
        return model;
    }

    private static float[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var e = logits.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return [.. e.Select(v => (float)(v / sum))];
    }
}
