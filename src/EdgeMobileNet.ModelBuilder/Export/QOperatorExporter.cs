using EdgeMobileNet.ModelBuilder.Network;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Export;

/// <summary>
/// Writes an int8 model in QOperator form, the shape of the ONNX Model Zoo's mobilenetv2-12-int8: QuantizeLinear on
/// the input, QLinearConv (ReLU/ReLU6 folded into the output range), com.microsoft QLinearAdd and
/// QLinearGlobalAveragePool, QLinearMatMul + QLinearAdd for the classifier, DequantizeLinear at the end.
/// </summary>
internal sealed class QOperatorExporter
{
    private const string Microsoft = "com.microsoft";

    private readonly Net _net;
    private readonly CalibrationRanges _ranges;
    private readonly bool _unsigned;
    private readonly OnnxGraphEmitter _g = new();
    private readonly string[] _q;
    private readonly QuantParams[] _p;
    private readonly (string Scale, string Zp)[] _pNames;

    private QOperatorExporter(Net net, CalibrationRanges ranges, bool unsigned)
    {
        _net = net;
        _ranges = ranges;
        _unsigned = unsigned;
        _q = new string[net.Shapes.Count];
        _p = new QuantParams[net.Shapes.Count];
        _pNames = new (string, string)[net.Shapes.Count];
    }

    public static OnnxModel Export(Net net, CalibrationRanges ranges, bool unsigned, bool softmax)
    {
        var e = new QOperatorExporter(net, ranges, unsigned);
        e.Emit(softmax);
        return e._g.ToModel(new OnnxOpset("", 17), new OnnxOpset(Microsoft, 1));
    }

    private void Emit(bool softmax)
    {
        var r = _net.Resolution;
        _g.Graph.Inputs.Add(OnnxValueInfo.Tensor("input", OnnxDataType.Float, 1, 3, r, r));
        Define(0, "input", _ranges.Output[0]);
        _g.Node("QuantizeLinear", _q[0], ["input", _pNames[0].Scale, _pNames[0].Zp]);
        foreach (var op in _net.Ops)
        {
            switch (op)
            {
                case ConvOp c when c.Activation is Activation.None or Activation.Relu or Activation.Relu6:
                    EmitConv(c);
                    break;
                case AddOp a:
                    Define(a.Output, a.Name, _ranges.Output[a.Output]);
                    _g.NodeIn(Microsoft, "QLinearAdd", _q[a.Output], [.. Operand(a.A), .. Operand(a.B), .. Result(a.Output)]);
                    break;
                case PoolOp p:
                    Define(p.Output, p.Name, _ranges.Output[p.Output]);
                    _g.NodeIn(Microsoft, "QLinearGlobalAveragePool", _q[p.Output], [.. Operand(p.Input), .. Result(p.Output)], OnnxAttribute.Int("channels_last", 0));
                    break;
                case GemmOp m:
                    EmitClassifier(m, softmax);
                    break;
                default:
                    throw new InvalidOperationException($"{op.Name}: no QOperator form for {op.GetType().Name}");
            }
        }
    }

    private void EmitConv(ConvOp c)
    {
        Define(c.Output, c.Name, _ranges.Output[c.Output]);
        var (qw, ws) = WeightQuantizer.PerChannel(c.Weights, c.OutChannels);
        var (qb, _) = WeightQuantizer.Bias(c.Bias, _p[c.Input].Scale, ws);
        var w = _g.Constant(OnnxTensor.FromInt8(c.Name + ".weight_q", [c.OutChannels, c.InPerGroup, c.Kernel, c.Kernel], qw));
        var wScale = _g.Constant(OnnxTensor.FromFloats(c.Name + ".weight_scale", [c.OutChannels], ws));
        var wZp = _g.Constant(OnnxTensor.FromInt8(c.Name + ".weight_zero_point", [c.OutChannels], new sbyte[c.OutChannels]));
        var b = _g.Constant(OnnxTensor.FromInt32(c.Name + ".bias_q", [c.OutChannels], qb));
        var pads = c.EffectivePads;
        _g.Node("QLinearConv", _q[c.Output], [.. Operand(c.Input), w, wScale, wZp, .. Result(c.Output), b],
            OnnxAttribute.IntList("kernel_shape", c.Kernel, c.Kernel),
            OnnxAttribute.IntList("strides", c.Stride, c.Stride),
            OnnxAttribute.IntList("pads", pads[0], pads[1], pads[2], pads[3]),
            OnnxAttribute.IntList("dilations", 1, 1),
            OnnxAttribute.Int("group", c.Groups));
    }

    private void EmitClassifier(GemmOp m, bool softmax)
    {
        var flat = _g.Node("Flatten", m.Name + ".flatten_q", [_q[m.Input]], OnnxAttribute.Int("axis", 1));

        // QLinearMatMul takes B as [K, N] with one scale per output column.
        var (qw, ws) = WeightQuantizer.PerChannel(m.Weights, m.OutFeatures);
        var transposed = new sbyte[qw.Length];
        for (var n = 0; n < m.OutFeatures; n++)
        {
            for (var k = 0; k < m.InFeatures; k++)
            {
                transposed[k * m.OutFeatures + n] = qw[n * m.InFeatures + k];
            }
        }

        var w = _g.Constant(OnnxTensor.FromInt8(m.Name + ".weight_q", [m.InFeatures, m.OutFeatures], transposed));
        var wScale = _g.Constant(OnnxTensor.FromFloats(m.Name + ".weight_scale", [m.OutFeatures], ws));
        var wZp = _g.Constant(OnnxTensor.FromInt8(m.Name + ".weight_zero_point", [m.OutFeatures], new sbyte[m.OutFeatures]));
        var product = QParams(m.Name + ".matmul", QuantParams.FromRange(_ranges.BeforeActivation[m.Output], _unsigned));
        var matmul = _g.Node("QLinearMatMul", m.Name + ".matmul_q", [flat, _pNames[m.Input].Scale, _pNames[m.Input].Zp, w, wScale, wZp, product.Scale, product.Zp]);

        // The bias as a quantized constant added with QLinearAdd, as in the zoo model.
        var biasParams = QuantParams.FromRange(new ValueRange(m.Bias.Min(), m.Bias.Max()), _unsigned);
        var bias = QParams(m.Name + ".bias", biasParams);
        var qb = m.Bias.Select(v => Math.Clamp((int)Math.Round(v / biasParams.Scale) + biasParams.ZeroPoint, biasParams.QMin, biasParams.QMax)).ToArray();
        var biasQ = _g.Constant(_unsigned
            ? OnnxTensor.FromUInt8(m.Name + ".bias_q", [m.OutFeatures], qb.Select(v => (byte)v).ToArray())
            : OnnxTensor.FromInt8(m.Name + ".bias_q", [m.OutFeatures], qb.Select(v => (sbyte)v).ToArray()));
        Define(m.Output, m.Name, _ranges.Output[m.Output]);
        _g.NodeIn(Microsoft, "QLinearAdd", _q[m.Output], [matmul, product.Scale, product.Zp, biasQ, bias.Scale, bias.Zp, .. Result(m.Output)]);
        var logits = _g.Node("DequantizeLinear", softmax ? "logits" : "output", [_q[m.Output], .. Result(m.Output)]);
        var output = softmax ? _g.Node("Softmax", "output", [logits], OnnxAttribute.Int("axis", 1)) : logits;
        _g.Graph.Outputs.Add(OnnxValueInfo.Tensor(output, OnnxDataType.Float, 1, m.OutFeatures));
    }

    private void Define(int value, string name, ValueRange range)
    {
        _p[value] = QuantParams.FromRange(range, _unsigned);
        _pNames[value] = QParams(name, _p[value]);
        _q[value] = name + "_quantized";
    }

    private (string Scale, string Zp) QParams(string name, QuantParams p) =>
    (
        _g.Constant(OnnxTensor.ScalarFloat(name + "_scale", p.Scale)),
        _g.Constant(p.Unsigned ? OnnxTensor.ScalarUInt8(name + "_zero_point", (byte)p.ZeroPoint) : OnnxTensor.ScalarInt8(name + "_zero_point", (sbyte)p.ZeroPoint))
    );

    private string[] Operand(int value) => [_q[value], _pNames[value].Scale, _pNames[value].Zp];

    private string[] Result(int value) => [_pNames[value].Scale, _pNames[value].Zp];
}
