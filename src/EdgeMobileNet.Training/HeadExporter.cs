using EdgeMobileNet.ModelBuilder.Export;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Training;

/// <summary>Value ranges of the head's activations on the training images (min/max calibration, as ONNX Runtime's
/// static quantizer does), used to quantise the new tensors.</summary>
internal sealed record HeadRanges(float Conv, float Square, float Cube, float Pooled, float LogitMin, float LogitMax)
{
    /// <param name="cut">Position-major cut activations of the calibration images.</param>
    public static HeadRanges Calibrate(HeadModel m, ActivationView cut, int threads)
    {
        float y1 = 0, lo = float.MaxValue, hi = float.MinValue, pooled = 0;
        var h = m.PoolAll(cut, threads, observeZ: (z, n) =>
        {
            var top = System.Numerics.Tensors.TensorPrimitives.Max(z.AsSpan(0, n));
            y1 = Math.Max(y1, Math.Clamp(top, 0f, m.ClipMax));
        });
        var std = new float[m.O];
        var logits = new float[m.K];
        foreach (var f in h)
        {
            pooled = Math.Max(pooled, f.Max());
            m.Logits(f, std, logits);
            lo = Math.Min(lo, logits.Min());
            hi = Math.Max(hi, logits.Max());
        }

        return new HeadRanges(y1, y1 * y1, y1 * y1 * y1, pooled, lo, hi);
    }
}

/// <summary>
/// Writes the trained model as ONNX: the backbone's frozen part (nodes and initializers up to the cut, unchanged)
/// followed by the new head. Int8 backbones get an int8 head in QDQ form, laid out as the model builder's exporter
/// and ONNX Runtime's static quantizer do (per-channel symmetric int8 weights, int32 biases at x_scale·w_scale,
/// uint8 activations from the calibrated ranges, the clip folded into the range); both engines fuse it into integer
/// kernels with identical arithmetic. Float backbones get a float head.
/// </summary>
internal static class HeadExporter
{
    /// <param name="tailOnly">The head alone, reading the cut activations as a float [1,C,H,W] input (quantised
    /// first when the backbone is int8): how cross-validation runs each fold's int8 model on its held-out images.</param>
    public static OnnxModel Export(Backbone backbone, HeadModel m, HeadRanges ranges, bool tailOnly, IReadOnlyList<(string Key, string Value)> metadata)
    {
        var e = new OnnxGraphEmitter();
        var g = e.Graph;
        g.Name = tailOnly ? "head" : "trained";
        var quant = backbone.CutQuant;
        string x;
        if (tailOnly)
        {
            g.Inputs.Add(OnnxValueInfo.Tensor("cut", OnnxDataType.Float, 1, m.C, backbone.Height, backbone.Width));
            x = "cut";
            if (quant is not null)
            {
                var s = e.Constant(OnnxTensor.ScalarFloat("cut_scale", quant.Scale));
                var zp = e.Constant(quant.Unsigned ? OnnxTensor.ScalarUInt8("cut_zero_point", (byte)quant.ZeroPoint) : OnnxTensor.ScalarInt8("cut_zero_point", (sbyte)quant.ZeroPoint));
                var q = e.Node("QuantizeLinear", "cut_quantized", [x, s, zp]);
                x = e.Node("DequantizeLinear", "cut_dequantized", [q, s, zp]);
            }
        }
        else
        {
            var frozen = backbone.FrozenPart("trained");
            g.Inputs.AddRange(frozen.Inputs);
            g.Nodes.AddRange(frozen.Nodes);
            g.Initializers.AddRange(frozen.Initializers);
            x = backbone.CutTensor;
            if (quant is not null && !backbone.CutIsDequantized)
            {
                foreach (var t in backbone.Model.Graph.Initializers.Where(t => t.Name == quant.ScaleName || t.Name == quant.ZeroPointName))
                {
                    if (!g.Initializers.Contains(t))
                    {
                        g.Initializers.Add(t);
                    }
                }

                x = e.Node("DequantizeLinear", "head.input", [x, quant.ScaleName, quant.ZeroPointName]);
            }
        }

        // Standardisation folded into the classifier: V' = V * scale, D' = D - V' · mean.
        var v = new float[m.K * m.O];
        var d = new float[m.K];
        for (var k = 0; k < m.K; k++)
        {
            double bias = m.D[k];
            for (var o = 0; o < m.O; o++)
            {
                v[(k * m.O) + o] = m.V[(k * m.O) + o] * m.Scale[o];
                bias -= v[(k * m.O) + o] * (double)m.Mean[o];
            }

            d[k] = (float)bias;
        }

        var convRange = Math.Min(ranges.Conv, m.ClipMax);
        if (quant is not null)
        {
            var xs = quant.Scale;
            var (qw, ws) = WeightQuantizer.PerChannel(m.W, m.O);
            var (qb, bs) = WeightQuantizer.Bias(m.B, xs, ws);
            var w = DequantizeConstant(e, "head.conv.weight", OnnxTensor.FromInt8("head.conv.weight_q", [m.O, m.C, 1, 1], qw), ws, OnnxDataType.Int8);
            var b = DequantizeConstant(e, "head.conv.bias", OnnxTensor.FromInt32("head.conv.bias_q", [m.O], qb), bs, OnnxDataType.Int32);
            var conv = e.Node("Conv", "head.conv", [x, w, b], ConvAttributes());
            var y = QdqUses(e, conv, new ValueRange(0, convRange), Math.Max(1, m.Power));
            var pooledInput = y[0];
            if (m.Power >= 2)
            {
                var sq = e.Node("Mul", "head.square", [y[0], y[1]]);
                pooledInput = QdqUses(e, sq, new ValueRange(0, Math.Min(ranges.Square, convRange * convRange)), m.Power == 3 ? 1 : 1)[0];
                if (m.Power == 3)
                {
                    var cube = e.Node("Mul", "head.cube", [pooledInput, y[2]]);
                    pooledInput = QdqUses(e, cube, new ValueRange(0, Math.Min(ranges.Cube, convRange * convRange * convRange)), 1)[0];
                }
            }

            var pool = e.Node("GlobalAveragePool", "head.pool", [pooledInput]);
            var pooled = QdqUses(e, pool, new ValueRange(0, ranges.Pooled), 1)[0];
            var flat = e.Node("Flatten", "head.flatten", [pooled], OnnxAttribute.Int("axis", 1));
            var pooledScale = QuantParams.FromRange(new ValueRange(0, ranges.Pooled), true).Scale;
            var (qv, vs) = WeightQuantizer.PerChannel(v, m.K);
            var (qd, ds) = WeightQuantizer.Bias(d, pooledScale, vs);
            var gw = DequantizeConstant(e, "head.classifier.weight", OnnxTensor.FromInt8("head.classifier.weight_q", [m.K, m.O], qv), vs, OnnxDataType.Int8);
            var gb = DequantizeConstant(e, "head.classifier.bias", OnnxTensor.FromInt32("head.classifier.bias_q", [m.K], qd), ds, OnnxDataType.Int32);
            var logits = e.Node("Gemm", "head.logits", [flat, gw, gb], OnnxAttribute.Int("transB", 1));
            var p = QuantParams.FromRange(new ValueRange(ranges.LogitMin, ranges.LogitMax), true);
            var ls = e.Constant(OnnxTensor.ScalarFloat("head.logits_scale", p.Scale));
            var lz = e.Constant(OnnxTensor.ScalarUInt8("head.logits_zero_point", (byte)p.ZeroPoint));
            var lq = e.Node("QuantizeLinear", "head.logits_quantized", [logits, ls, lz]);
            e.Node("DequantizeLinear", "output", [lq, ls, lz]);
        }
        else
        {
            var w = e.Constant(OnnxTensor.FromFloats("head.conv.weight", [m.O, m.C, 1, 1], m.W));
            var b = e.Constant(OnnxTensor.FromFloats("head.conv.bias", [m.O], m.B));
            var conv = e.Node("Conv", "head.conv", [x, w, b], ConvAttributes());
            var y = e.Node("Clip", "head.clip", [conv, e.SharedScalar("head.clip_min", 0f), e.SharedScalar("head.clip_max", float.IsFinite(m.ClipMax) ? m.ClipMax : float.MaxValue)]);
            var pooledInput = y;
            if (m.Power >= 2)
            {
                pooledInput = e.Node("Mul", "head.square", [y, y]);
                if (m.Power == 3)
                {
                    pooledInput = e.Node("Mul", "head.cube", [pooledInput, y]);
                }
            }

            var pool = e.Node("GlobalAveragePool", "head.pool", [pooledInput]);
            var flat = e.Node("Flatten", "head.flatten", [pool], OnnxAttribute.Int("axis", 1));
            var gw = e.Constant(OnnxTensor.FromFloats("head.classifier.weight", [m.K, m.O], v));
            var gb = e.Constant(OnnxTensor.FromFloats("head.classifier.bias", [m.K], d));
            e.Node("Gemm", "output", [flat, gw, gb], OnnxAttribute.Int("transB", 1));
        }

        g.Outputs.Add(OnnxValueInfo.Tensor("output", OnnxDataType.Float, 1, m.K));
        var opsets = backbone.Model.Opsets.Select(o => o.Domain is "" or "ai.onnx" ? new OnnxOpset(o.Domain, Math.Max(o.Version, 13)) : o).ToList();
        if (tailOnly)
        {
            opsets = [.. opsets.Where(o => o.Domain is "" or "ai.onnx")];
        }

        var model = e.ToModel([.. opsets]);
        model.IrVersion = Math.Max(backbone.Model.IrVersion, 7);
        model.ProducerName = "edgemobilenet-train";
        model.Metadata = [.. metadata];
        return model;
    }

    private static OnnxAttribute[] ConvAttributes() =>
    [
        OnnxAttribute.IntList("kernel_shape", 1, 1),
        OnnxAttribute.IntList("strides", 1, 1),
        OnnxAttribute.IntList("pads", 0, 0, 0, 0),
        OnnxAttribute.IntList("dilations", 1, 1),
        OnnxAttribute.Int("group", 1),
    ];

    /// <summary>QuantizeLinear of <paramref name="floatName"/> to uint8 and <paramref name="uses"/> separate
    /// DequantizeLinear nodes (one per consumer, so each QDQ group is one ONNX Runtime fusion unit).</summary>
    private static string[] QdqUses(OnnxGraphEmitter e, string floatName, ValueRange range, int uses)
    {
        var p = QuantParams.FromRange(range, true);
        var scale = e.Constant(OnnxTensor.ScalarFloat(floatName + "_scale", p.Scale));
        var zp = e.Constant(OnnxTensor.ScalarUInt8(floatName + "_zero_point", (byte)p.ZeroPoint));
        var q = e.Node("QuantizeLinear", floatName + "_quantized", [floatName, scale, zp]);
        var result = new string[uses];
        for (var i = 0; i < uses; i++)
        {
            result[i] = e.Node("DequantizeLinear", uses == 1 ? floatName + "_dequantized" : $"{floatName}_dequantized_{i}", [q, scale, zp]);
        }

        return result;
    }

    private static string DequantizeConstant(OnnxGraphEmitter e, string name, OnnxTensor quantized, float[] scales, OnnxDataType zeroType)
    {
        var q = e.Constant(quantized);
        var s = e.Constant(OnnxTensor.FromFloats(name + "_scale", [scales.Length], scales));
        var zp = e.Constant(zeroType == OnnxDataType.Int8
            ? OnnxTensor.FromInt8(name + "_zero_point", [scales.Length], new sbyte[scales.Length])
            : OnnxTensor.FromInt32(name + "_zero_point", [scales.Length], new int[scales.Length]));
        return e.Node("DequantizeLinear", name, [q, s, zp], OnnxAttribute.Int("axis", 0));
    }
}
