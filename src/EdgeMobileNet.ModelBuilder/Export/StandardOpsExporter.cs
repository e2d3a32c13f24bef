using EdgeMobileNet.ModelBuilder.Network;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Export;

/// <summary>
/// Writes a <see cref="Net"/> with standard ONNX ops (opset 17), in float or in QDQ int8 form as ONNX Runtime's
/// static quantizer lays it out: QuantizeLinear/DequantizeLinear on every activation, per-channel int8 weights and
/// int32 biases behind DequantizeLinear, ReLU/ReLU6 folded into the output quantization range.
/// </summary>
internal sealed class StandardOpsExporter
{
    private readonly Net _net;
    private readonly OnnxGraphEmitter _g = new();
    private readonly CalibrationRanges? _ranges;
    private readonly bool _unsigned;
    private readonly bool _keras;

    // Per value: the name consumers read (float, or the DequantizeLinear output) and, when quantized, its
    // QuantizeLinear output and parameters.
    private readonly string[] _read;
    private readonly string?[] _quantized;
    private readonly QuantParams[] _params;
    private readonly (string Scale, string Zp)[] _dequantizeParams;

    private StandardOpsExporter(Net net, CalibrationRanges? ranges, bool unsigned, bool keras)
    {
        _net = net;
        _ranges = ranges;
        _unsigned = unsigned;
        _keras = keras;
        _read = new string[net.Shapes.Count];
        _quantized = new string?[net.Shapes.Count];
        _params = new QuantParams[net.Shapes.Count];
        _dequantizeParams = new (string, string)[net.Shapes.Count];
    }

    private bool Quantize => _ranges is not null;

    /// <param name="ranges">Null for a float model; calibrated ranges for QDQ int8.</param>
    /// <param name="unsigned">uint8 activations (else int8).</param>
    /// <param name="keras">NHWC input with a Transpose, explicit Pad before strided depthwise convs, Softmax.</param>
    public static OnnxModel Export(Net net, CalibrationRanges? ranges, bool unsigned, bool softmax, bool keras)
    {
        var e = new StandardOpsExporter(net, ranges, unsigned, keras);
        e.Emit(softmax || keras);
        return e._g.ToModel(new OnnxOpset("", 17));
    }

    private void Emit(bool softmax)
    {
        var r = _net.Resolution;
        var input = "input";
        if (_keras)
        {
            _g.Graph.Inputs.Add(OnnxValueInfo.Tensor("input", OnnxDataType.Float, 1, r, r, 3));
            input = _g.Node("Transpose", "input_nchw", ["input"], OnnxAttribute.IntList("perm", 0, 3, 1, 2));
        }
        else
        {
            _g.Graph.Inputs.Add(OnnxValueInfo.Tensor("input", OnnxDataType.Float, 1, 3, r, r));
        }

        Publish(0, input, _ranges?.Output[0]);
        foreach (var op in _net.Ops)
        {
            switch (op)
            {
                case ConvOp c: EmitConv(c); break;
                case AddOp a: Publish(a.Output, _g.Node("Add", a.Name, [_read[a.A], _read[a.B]]), _ranges?.Output[a.Output]); break;
                case ScaleOp s: Publish(s.Output, _g.Node("Mul", s.Name, [_read[s.X], _read[s.Gate]]), _ranges?.Output[s.Output]); break;
                case PoolOp p: Publish(p.Output, _g.Node("GlobalAveragePool", p.Name, [_read[p.Input]]), _ranges?.Output[p.Output]); break;
                case GemmOp m: EmitGemm(m, softmax); break;
                default: throw new InvalidOperationException($"unknown op {op.GetType().Name}");
            }
        }
    }

    private void EmitConv(ConvOp c)
    {
        var input = _read[c.Input];
        var pads = c.EffectivePads;
        var asymmetric = pads[0] != pads[2] || pads[1] != pads[3];
        if (_keras && asymmetric && c.IsDepthwise)
        {
            // tf2onnx's shape for Keras' ZeroPadding2D + 'valid' depthwise conv: an explicit Pad node.
            var padsName = _g.Constant(OnnxTensor.FromInt64(c.Name + ".pads", [8], [0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]]));
            if (Quantize)
            {
                var p = _params[c.Input];
                var zp = _g.Constant(p.Unsigned ? OnnxTensor.ScalarUInt8(c.Name + ".pad_value", (byte)p.ZeroPoint) : OnnxTensor.ScalarInt8(c.Name + ".pad_value", (sbyte)p.ZeroPoint));
                var padded = _g.Node("Pad", c.Name + ".pad", [_quantized[c.Input]!, padsName, zp]);
                var dq = _dequantizeParams[c.Input];
                input = _g.Node("DequantizeLinear", c.Name + ".pad_dequantized", [padded, dq.Scale, dq.Zp]);
            }
            else
            {
                input = _g.Node("Pad", c.Name + ".pad", [input, padsName]);
            }

            pads = [0, 0, 0, 0];
        }

        long[] wDims = [c.OutChannels, c.InPerGroup, c.Kernel, c.Kernel];
        string weights, bias;
        if (Quantize)
        {
            var (qw, ws) = WeightQuantizer.PerChannel(c.Weights, c.OutChannels);
            var (qb, bs) = WeightQuantizer.Bias(c.Bias, _params[c.Input].Scale, ws);
            weights = DequantizeConstant(c.Name + ".weight", OnnxTensor.FromInt8(c.Name + ".weight_q", wDims, qw), ws, OnnxDataType.Int8);
            bias = DequantizeConstant(c.Name + ".bias", OnnxTensor.FromInt32(c.Name + ".bias_q", [c.OutChannels], qb), bs, OnnxDataType.Int32);
        }
        else
        {
            weights = _g.Constant(OnnxTensor.FromFloats(c.Name + ".weight", wDims, c.Weights));
            bias = _g.Constant(OnnxTensor.FromFloats(c.Name + ".bias", [c.OutChannels], c.Bias));
        }

        var conv = _g.Node("Conv", c.Activation == Activation.None ? c.Name : c.Name + ".conv", [input, weights, bias],
            OnnxAttribute.IntList("kernel_shape", c.Kernel, c.Kernel),
            OnnxAttribute.IntList("strides", c.Stride, c.Stride),
            OnnxAttribute.IntList("pads", pads[0], pads[1], pads[2], pads[3]),
            OnnxAttribute.IntList("dilations", 1, 1),
            OnnxAttribute.Int("group", c.Groups));

        switch (c.Activation)
        {
            case Activation.None:
                Publish(c.Output, conv, _ranges?.Output[c.Output]);
                break;
            case Activation.Relu or Activation.Relu6 when Quantize:
                // As the static quantizer does: the activation disappears into the output range [0, max].
                Publish(c.Output, conv, _ranges!.Output[c.Output]);
                break;
            case Activation.Relu:
                Publish(c.Output, _g.Node("Relu", c.Name, [conv]), null);
                break;
            case Activation.Relu6:
                Publish(c.Output, _g.Node("Clip", c.Name, [conv, _g.SharedScalar("relu6_min", 0f), _g.SharedScalar("relu6_max", 6f)]), null);
                break;
            case Activation.HardSwish or Activation.HardSigmoid:
                var pre = Quantize ? QDQ(conv, QuantParams.FromRange(_ranges!.BeforeActivation[c.Output], _unsigned), out _) : conv;
                var act = c.Activation == Activation.HardSwish
                    ? _g.Node("HardSwish", c.Name, [pre])
                    : _g.Node("HardSigmoid", c.Name, [pre], OnnxAttribute.Float("alpha", 1f / 6), OnnxAttribute.Float("beta", 0.5f));
                Publish(c.Output, act, _ranges?.Output[c.Output]);
                break;
        }
    }

    private void EmitGemm(GemmOp m, bool softmax)
    {
        var flat = _g.Node("Flatten", m.Name + ".flatten", [_read[m.Input]], OnnxAttribute.Int("axis", 1));
        string weights, bias;
        if (Quantize)
        {
            var (qw, ws) = WeightQuantizer.PerChannel(m.Weights, m.OutFeatures);
            var (qb, bs) = WeightQuantizer.Bias(m.Bias, _params[m.Input].Scale, ws);
            weights = DequantizeConstant(m.Name + ".weight", OnnxTensor.FromInt8(m.Name + ".weight_q", [m.OutFeatures, m.InFeatures], qw), ws, OnnxDataType.Int8);
            bias = DequantizeConstant(m.Name + ".bias", OnnxTensor.FromInt32(m.Name + ".bias_q", [m.OutFeatures], qb), bs, OnnxDataType.Int32);
        }
        else
        {
            weights = _g.Constant(OnnxTensor.FromFloats(m.Name + ".weight", [m.OutFeatures, m.InFeatures], m.Weights));
            bias = _g.Constant(OnnxTensor.FromFloats(m.Name + ".bias", [m.OutFeatures], m.Bias));
        }

        var logits = _g.Node("Gemm", softmax ? "logits" : "output_float", [flat, weights, bias], OnnxAttribute.Int("transB", 1));
        if (Quantize)
        {
            logits = QDQ(logits, QuantParams.FromRange(_ranges!.Output[m.Output], _unsigned), out _);
        }

        var output = softmax
            ? _g.Node("Softmax", "output", [logits], OnnxAttribute.Int("axis", 1))
            : _g.Node("Identity", "output", [logits]);
        _g.Graph.Outputs.Add(OnnxValueInfo.Tensor(output, OnnxDataType.Float, 1, m.OutFeatures));
    }

    /// <summary>Makes <paramref name="floatName"/> the value consumers read, quantized when exporting int8.</summary>
    private void Publish(int value, string floatName, ValueRange? range)
    {
        if (!Quantize)
        {
            _read[value] = floatName;
            return;
        }

        var p = QuantParams.FromRange(range ?? _ranges!.Output[value], _unsigned);
        _params[value] = p;
        _read[value] = QDQ(floatName, p, out var q);
        _quantized[value] = q;
        _dequantizeParams[value] = (floatName + "_scale", floatName + "_zero_point");
    }

    private string QDQ(string floatName, QuantParams p, out string quantized)
    {
        var scale = _g.Constant(OnnxTensor.ScalarFloat(floatName + "_scale", p.Scale));
        var zp = _g.Constant(p.Unsigned
            ? OnnxTensor.ScalarUInt8(floatName + "_zero_point", (byte)p.ZeroPoint)
            : OnnxTensor.ScalarInt8(floatName + "_zero_point", (sbyte)p.ZeroPoint));
        quantized = _g.Node("QuantizeLinear", floatName + "_quantized", [floatName, scale, zp]);
        return _g.Node("DequantizeLinear", floatName + "_dequantized", [quantized, scale, zp]);
    }

    private string DequantizeConstant(string name, OnnxTensor quantized, float[] scales, OnnxDataType zeroType)
    {
        var q = _g.Constant(quantized);
        var s = _g.Constant(OnnxTensor.FromFloats(name + "_scale", [scales.Length], scales));
        var zp = _g.Constant(zeroType == OnnxDataType.Int8
            ? OnnxTensor.FromInt8(name + "_zero_point", [scales.Length], new sbyte[scales.Length])
            : OnnxTensor.FromInt32(name + "_zero_point", [scales.Length], new int[scales.Length]));
        return _g.Node("DequantizeLinear", name, [q, s, zp], OnnxAttribute.Int("axis", 0));
    }
}
