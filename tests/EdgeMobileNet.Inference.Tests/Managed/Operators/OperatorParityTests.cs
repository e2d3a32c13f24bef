using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Onnx;
using Xunit;
using A = EdgeMobileNet.Onnx.OnnxAttribute;

namespace EdgeMobileNet.Inference.Tests.Managed.Operators;

/// <summary>
/// Single operators and small fused patterns in code-built graphs, the managed engine against the real ONNX Runtime.
/// Float results must agree to 1e-4 relative to the largest magnitude; integer paths must be bit-identical.
/// </summary>
public sealed class OperatorParityTests
{
    [Fact]
    public void ConvBatchNormReluFoldedIntoOneConv()
    {
        var m = new TinyModel([1, 3, 9, 11]);
        var conv = m.Node("Conv", ["x", m.Floats([8, 3, 3, 3]), m.Floats([8])], A.IntList("strides", 2, 2), A.IntList("pads", 1, 0, 1, 2));
        var bn = m.Node("BatchNormalization", [conv, m.Floats([8], 0.5f, 1f), m.Floats([8]), m.Floats([8]), m.Floats([8], 0.4f, 1f)]);
        var relu = m.Node("Relu", [bn]);
        var engine = CompareFloat(m, relu);
        Assert.Single(engine.Plan.Operators.OfType<EdgeMobileNet.Inference.Engines.Managed.Operators.ConvOperator>());
    }

    [Fact]
    public void DepthwiseConvWithClipInputsAndResidualAdd()
    {
        var m = new TinyModel([1, 16, 7, 7], opset: 12);
        var dw = m.Node("Conv", ["x", m.Floats([16, 1, 3, 3]), m.Floats([16])], A.Int("group", 16), A.IntList("pads", 1, 1, 1, 1));
        var clip = m.Node("Clip", [dw, m.Scalar(0f), m.Scalar(1.5f)]);
        var pw = m.Node("Conv", [clip, m.Floats([16, 16, 1, 1])]);
        var add = m.Node("Add", [pw, "x"]);
        CompareFloat(m, add);
    }

    [Fact]
    public void SqueezeExciteBroadcastAndHardActivations()
    {
        var m = new TinyModel([1, 12, 6, 5], opset: 14);
        var pool = m.Node("GlobalAveragePool", ["x"]);
        var fc = m.Node("Conv", [pool, m.Floats([12, 12, 1, 1]), m.Floats([12])]);
        var gate = m.Node("HardSigmoid", [fc], A.Float("alpha", 1f / 6), A.Float("beta", 0.5f));
        var scaled = m.Node("Mul", ["x", gate]);
        var hs = m.Node("HardSwish", [scaled]);
        var sig = m.Node("Sigmoid", [hs]);
        var sub = m.Node("Sub", [sig, m.FloatVector(0.1f, 0.2f, 0.3f, 0.4f, 0.5f)]);
        var div = m.Node("Div", [sub, m.Scalar(0.7f)]);
        CompareFloat(m, div);
    }

    [Fact]
    public void KerasShapedInputTransposedToNchw()
    {
        var m = new TinyModel([1, 10, 8, 3]);
        var t = m.Node("Transpose", ["x"], A.IntList("perm", 0, 3, 1, 2));
        var conv = m.Node("Conv", [t, m.Floats([4, 3, 3, 3])], A.String("auto_pad", "SAME_UPPER"), A.IntList("strides", 2, 2));
        var back = m.Node("Transpose", [conv], A.IntList("perm", 0, 2, 3, 1));
        var engine = CompareFloat(m, back);
        Assert.Equal(TensorLayout.Nhwc, engine.Input.Layout);
    }

    [Fact]
    public void PadAveragePoolFlattenGemmSoftmax()
    {
        var m = new TinyModel([1, 4, 6, 6]);
        var pad = m.Node("Pad", ["x", m.Int64s(0, 0, 1, 1, 0, 0, 1, 1), m.Scalar(0.25f)]);
        var pool = m.Node("AveragePool", [pad], A.IntList("kernel_shape", 3, 3), A.IntList("strides", 2, 2));
        var flat = m.Node("Flatten", [pool]);
        var gemm = m.Node("Gemm", [flat, m.Floats([10, 36]), m.Floats([10])], A.Int("transB", 1), A.Float("alpha", 0.5f), A.Float("beta", 2f));
        var sm = m.Node("Softmax", [gemm]);
        var engine = CompareFloat(m, sm);
        Assert.True(engine.Output.IsProbability);
    }

    [Fact]
    public void ReduceMeanWithAxesInputThenMatMulAndBiasAdd()
    {
        var m = new TinyModel([1, 6, 5, 5], opset: 18);
        var mean = m.Node("ReduceMean", ["x", m.Int64s(2, 3)], A.Int("keepdims", 0));
        var mm = m.Node("MatMul", [mean, m.Floats([6, 7])]);
        var add = m.Node("Add", [mm, m.Floats([7])]);
        var id = m.Node("Identity", [add]);
        var drop = m.Node("Dropout", [id]);
        CompareFloat(m, drop);
    }

    [Fact]
    public void ShapeSubgraphIsConstantFolded()
    {
        var m = new TinyModel([1, 5, 1, 1]);
        var shape = m.Node("Shape", ["x"]);
        var first = m.Node("Gather", [shape, m.Init(OnnxTensor.FromInt64("idx", [], [0]))], A.Int("axis", 0));
        var un = m.Node("Unsqueeze", [first, m.Int64s(0)]);
        var cat = m.Node("Concat", [un, m.Int64s(-1)], A.Int("axis", 0));
        var reshape = m.Node("Reshape", ["x", cat]);
        var engine = CompareFloat(m, reshape);
        Assert.DoesNotContain(engine.Plan.Operators, o => o.Name.Contains("Shape", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QOperatorChainIsBitIdentical(bool signedActivations)
    {
        var m = new TinyModel([1, 8, 10, 10], seed: signedActivations ? 3 : 2);
        var s = signedActivations;
        var q = m.Node("QuantizeLinear", ["x", m.Scalar(0.02f), m.ZeroPoint(s, s ? -3 : 120)]);
        var conv = m.Node("QLinearConv", [q, m.Scalar(0.02f), m.ZeroPoint(s, s ? -3 : 120), m.Int8s([16, 8, 3, 3]), m.Floats([16], 0.002f, 0.004f), m.Init(OnnxTensor.FromInt8("wzp", [16], new sbyte[16])), m.Scalar(0.05f), m.ZeroPoint(s, s ? 5 : 130), m.Int32s([16], 3000)], A.IntList("pads", 1, 1, 1, 1));
        var dw = m.Node("QLinearConv", [conv, m.Scalar(0.05f), m.ZeroPoint(s, s ? 5 : 130), m.Int8s([16, 1, 3, 3]), m.Floats([16], 0.004f, 0.008f), m.Init(OnnxTensor.FromInt8("wzp2", [16], new sbyte[16])), m.Scalar(0.04f), m.ZeroPoint(s, s ? -128 : 0), m.Int32s([16], 500)], A.Int("group", 16), A.IntList("strides", 2, 2), A.IntList("pads", 1, 1, 1, 1));
        var add = m.NodeIn("com.microsoft", "QLinearAdd", [dw, m.Scalar(0.04f), m.ZeroPoint(s, s ? -128 : 0), dw, m.Scalar(0.04f), m.ZeroPoint(s, s ? -128 : 0), m.Scalar(0.07f), m.ZeroPoint(s, s ? -20 : 100)]);
        var mul = m.NodeIn("com.microsoft", "QLinearMul", [add, m.Scalar(0.07f), m.ZeroPoint(s, s ? -20 : 100), add, m.Scalar(0.07f), m.ZeroPoint(s, s ? -20 : 100), m.Scalar(0.3f), m.ZeroPoint(s, s ? -100 : 20)]);
        var sig = m.NodeIn("com.microsoft", "QLinearSigmoid", [mul, m.Scalar(0.3f), m.ZeroPoint(s, s ? -100 : 20), m.Scalar(1f / 256), m.ZeroPoint(s, s ? -128 : 0)]);
        var dq = m.Node("DequantizeLinear", [sig, m.Scalar(1f / 256), m.ZeroPoint(s, s ? -128 : 0)]);
        CompareExact(m, dq);
    }

    [Fact]
    public void QOperatorPoolAndMatMulAreBitIdentical()
    {
        var m = new TinyModel([1, 16, 7, 7], seed: 4);
        var q = m.Node("QuantizeLinear", ["x", m.Scalar(0.015f), m.ZeroPoint(false, 128)]);
        var pool = m.NodeIn("com.microsoft", "QLinearGlobalAveragePool", [q, m.Scalar(0.015f), m.ZeroPoint(false, 128), m.Scalar(0.004f), m.ZeroPoint(false, 128)], A.Int("channels_last", 0));
        var flat = m.Node("Reshape", [pool, m.Int64s(1, -1)]);
        var mm = m.Node("QLinearMatMul", [flat, m.Scalar(0.004f), m.ZeroPoint(false, 128), m.Int8s([16, 24]), m.Floats([24], 0.003f, 0.006f), m.Init(OnnxTensor.FromInt8("bzp", [24], new sbyte[24])), m.Scalar(0.01f), m.ZeroPoint(false, 100)]);
        var dq = m.Node("DequantizeLinear", [mm, m.Scalar(0.01f), m.ZeroPoint(false, 100)]);
        CompareExact(m, dq);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QdqGraphMatchesOrtBitForBit(bool signedActivations)
    {
        // Input tensor read twice (residual) as in MobileNetV2: with int8 activations ORT keeps part of it in float.
        var s = signedActivations;
        var m = new TinyModel([1, 8, 6, 6], seed: s ? 6 : 5);
        string Qdq(string v, float scale, int zp)
        {
            var zpName = m.ZeroPoint(s, zp);
            var scaleName = m.Scalar(scale);
            var q = m.Node("QuantizeLinear", [v, scaleName, zpName]);
            return m.Node("DequantizeLinear", [q, scaleName, zpName]);
        }

        var rng = new Random(9);

        // Weights per output channel, and the int32 bias quantised with x_scale * w_scale as quantisers do.
        (string W, string B) Weights(long[] dims, float inputScale)
        {
            var ws = Enumerable.Range(0, (int)dims[0]).Select(_ => 0.002f + (rng.NextSingle() * 0.004f)).ToArray();
            var w = m.Int8s(dims);
            var wdq = m.Node("DequantizeLinear", [w, m.Init(OnnxTensor.FromFloats(w + "_s", [dims[0]], ws)), m.Init(OnnxTensor.FromInt8(w + "_zp", [dims[0]], new sbyte[dims[0]]))], A.Int("axis", 0));
            var b = m.Int32s([dims[0]], 2000);
            var bs = ws.Select(v => inputScale * v).ToArray();
            var bdq = m.Node("DequantizeLinear", [b, m.Init(OnnxTensor.FromFloats(b + "_s", [dims[0]], bs)), m.Init(OnnxTensor.FromInt32(b + "_zp", [dims[0]], new int[dims[0]]))], A.Int("axis", 0));
            return (wdq, bdq);
        }

        var x = Qdq("x", 0.02f, s ? 0 : 128);
        var (w1, b1) = Weights([16, 8, 1, 1], 0.02f);
        var expand = m.Node("Conv", [x, w1, b1]);
        var relu = m.Node("Relu", [expand]);
        var e = Qdq(relu, 0.03f, s ? -128 : 0);
        var (w2, b2) = Weights([16, 1, 3, 3], 0.03f);
        var dw = m.Node("Conv", [e, w2, b2], A.Int("group", 16), A.IntList("pads", 1, 1, 1, 1));
        var d = Qdq(dw, 0.03f, s ? -10 : 118);
        var (w3, b3) = Weights([8, 16, 1, 1], 0.03f);
        var project = m.Node("Conv", [d, w3, b3]);
        var p = Qdq(project, 0.025f, s ? 3 : 131);
        var add = m.Node("Add", [p, x]);
        var a = Qdq(add, 0.04f, s ? 1 : 129);
        var gap = m.Node("GlobalAveragePool", [a]);
        var g = Qdq(gap, 0.01f, s ? 0 : 128);
        var flat = m.Node("Flatten", [g]);
        var (w4, b4) = Weights([10, 8], 0.01f);
        var gemm = m.Node("Gemm", [flat, w4, b4], A.Int("transB", 1));
        var y = Qdq(gemm, 0.05f, s ? 0 : 128);
        CompareExact(m, y);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QdqHardActivationsAndSqueezeExciteScaleMatchOrtBitForBit(bool signedActivations)
    {
        // The int8 V3 pattern: DQ -> HardSwish -> Q and DQ -> HardSigmoid -> Q (lookup tables here, float in ORT), and
        // the SE scale: a per-channel vector times the feature map (QLinearMul broadcast along the stored rows).
        var s = signedActivations;
        var m = new TinyModel([1, 40, 5, 5], opset: 14, seed: s ? 8 : 7);
        string Qdq(string v, float scale, int zp)
        {
            var zpName = m.ZeroPoint(s, zp);
            var scaleName = m.Scalar(scale);
            var q = m.Node("QuantizeLinear", [v, scaleName, zpName]);
            return m.Node("DequantizeLinear", [q, scaleName, zpName]);
        }

        var x = Qdq("x", 0.013f, s ? -5 : 123);
        var hs = Qdq(m.Node("HardSwish", [x]), 0.011f, s ? -90 : 38);
        var gap = Qdq(m.Node("GlobalAveragePool", [hs]), 0.009f, s ? -100 : 28);
        var gate = Qdq(m.Node("HardSigmoid", [gap], A.Float("alpha", 1f / 6), A.Float("beta", 0.5f)), 1f / 255, s ? -128 : 0);
        var scaled = Qdq(m.Node("Mul", [hs, gate]), 0.012f, s ? -70 : 58);
        CompareExact(m, scaled);
    }

    private static ManagedClassifier CompareFloat(TinyModel m, string output)
    {
        var (engine, managed, ort) = RunBoth(m, output);
        var scale = Math.Max(1e-6f, ort.Max(MathF.Abs));
        for (var i = 0; i < ort.Length; i++)
        {
            Assert.True(MathF.Abs(managed[i] - ort[i]) <= 1e-4f * scale, $"element {i}: managed {managed[i]}, ORT {ort[i]}");
        }

        return engine;
    }

    private static void CompareExact(TinyModel m, string output)
    {
        var (_, managed, ort) = RunBoth(m, output);
        var differing = managed.Zip(ort).Count(p => p.First != p.Second);
        Assert.True(differing == 0, $"{differing} of {ort.Length} values differ; first: managed [{string.Join(", ", managed.Take(6))}], ORT [{string.Join(", ", ort.Take(6))}]");
    }

    private static (ManagedClassifier Engine, float[] Managed, float[] Ort) RunBoth(TinyModel m, string output)
    {
        var path = m.Save(output);
        var x = m.RandomInput(42);
        using var ort = new OrtReference(path);
        var expected = ort.Run(x);
        var engine = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed" });
        x.CopyTo(engine.InputBuffer);
        var actual = engine.Run().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        return (engine, actual, expected);
    }
}
