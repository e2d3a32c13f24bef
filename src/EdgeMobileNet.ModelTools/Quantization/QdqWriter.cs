using EdgeMobileNet.ModelBuilder.Export;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>
/// Inserts the QDQ pairs of a <see cref="QdqPlan"/> into the normalised float model, in place: activation ranges become
/// per-tensor (u)int8 parameters (<see cref="QuantParams"/>), Conv/Gemm weights per-output-channel symmetric int8 and
/// biases int32 at input scale × weight scale (<see cref="WeightQuantizer"/>), folded activations leave the graph.
/// </summary>
public static class QdqWriter
{
    /// <param name="model">The normalised float model the plan was made on (changed in place).</param>
    /// <param name="plan">Where the pairs go.</param>
    /// <param name="ranges">Calibrated range of each <see cref="QdqPlan.Values"/> entry, by value name.</param>
    /// <param name="unsigned">uint8 activations (else int8).</param>
    public static void Apply(OnnxModel model, QdqPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges, bool unsigned)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(ranges);
        var g = new GraphEdit(model);
        var nodes = model.Graph.Nodes;

        foreach (var (conv, act) in plan.Folded)
        {
            conv.Outputs[0] = act.Outputs[0];
            nodes.Remove(act);
        }

        var parameters = new Dictionary<string, (QuantParams P, string Scale, string Zp, string Quantized)>(StringComparer.Ordinal);
        foreach (var v in plan.Values)
        {
            if (!ranges.TryGetValue(v.Name, out var r))
            {
                throw new QuantizationException($"value '{v.Name}' has no calibrated range");
            }

            var lo = Math.Max(r.Min, v.Lower);
            var hi = Math.Min(r.Max, v.Upper);
            var p = QuantParams.FromRange(new ValueRange(lo, Math.Max(hi, lo)), unsigned);
            var scale = g.Unique(v.Name + "_scale");
            g.AddConstant(OnnxTensor.ScalarFloat(scale, p.Scale));
            var zp = g.Unique(v.Name + "_zero_point");
            g.AddConstant(unsigned ? OnnxTensor.ScalarUInt8(zp, (byte)p.ZeroPoint) : OnnxTensor.ScalarInt8(zp, (sbyte)p.ZeroPoint));
            var quantized = g.Unique(v.Name + "_quantized");

            // The producer now writes V_float; Q/DQ follow it and the DequantizeLinear output takes the name V, so every
            // consumer (and a graph output) reads the dequantised value unchanged.
            var producer = nodes.FindIndex(n => n.Outputs.Contains(v.Name));
            var floatName = g.Unique(v.Name + "_float");
            var q = new OnnxNode { Name = quantized, OpType = "QuantizeLinear", Inputs = [floatName, scale, zp], Outputs = [quantized] };
            var dq = new OnnxNode { Name = v.Name + "_dequantize", OpType = "DequantizeLinear", Inputs = [quantized, scale, zp], Outputs = [v.Name] };
            if (producer < 0)
            {
                // A graph input keeps its name: Q reads it, consumers read the DequantizeLinear output.
                if (!model.Graph.Inputs.Any(i => i.Name == v.Name))
                {
                    throw new QuantizationException($"value '{v.Name}' has no producer and is not a graph input");
                }

                var dequantized = g.Unique(v.Name + "_dequantized");
                g.Rewire(v.Name, dequantized);
                q.Inputs[0] = v.Name;
                dq.Outputs[0] = dequantized;
                nodes.InsertRange(0, [q, dq]);
            }
            else
            {
                var n = nodes[producer];
                n.Outputs[n.Outputs.IndexOf(v.Name)] = floatName;
                nodes.InsertRange(producer + 1, [q, dq]);
            }

            parameters[v.Name] = (p, scale, zp, quantized);
        }

        foreach (var (pad, source) in plan.QuantizedPads)
        {
            var s = parameters[source];
            var output = pad.Outputs[0];
            var padded = g.Unique(output + "_quantized");
            pad.Inputs = [s.Quantized, pad.Inputs[1], s.Zp];
            pad.Outputs[0] = padded;
            var at = nodes.IndexOf(pad);
            nodes.Insert(at + 1, new OnnxNode { Name = output + "_dequantize", OpType = "DequantizeLinear", Inputs = [padded, s.Scale, s.Zp], Outputs = [output] });
        }

        foreach (var node in plan.WeightNodes)
        {
            var inputScale = parameters[plan.InputSource[node]].P.Scale;
            QuantizeWeights(g, node, inputScale);
        }

        g.RemoveDead();
    }

    private static void QuantizeWeights(GraphEdit g, OnnxNode node, float inputScale)
    {
        var nodes = g.Graph.Nodes;
        var stem = g.NameFor(node);
        var wt = g.Constant(node.Input(1))!;
        var w = wt.ToFloatArray();
        var dims = wt.Dims;
        if (node.OpType == "Gemm" && node.GetInt("transB", 0) == 0)
        {
            // [K, N] → [N, K] so that the output channel is axis 0, as for Conv.
            var (k, n) = ((int)dims[0], (int)dims[1]);
            var t = new float[w.Length];
            for (var r = 0; r < k; r++)
            {
                for (var c = 0; c < n; c++)
                {
                    t[(c * k) + r] = w[(r * n) + c];
                }
            }

            (w, dims) = (t, [n, k]);
            node.Attributes.RemoveAll(a => a.Name == "transB");
            node.Attributes.Add(OnnxAttribute.Int("transB", 1));
        }

        var channels = (int)dims[0];
        var (qw, ws) = WeightQuantizer.PerChannel(w, channels);
        var weight = Dequantized(g, stem + ".weight", OnnxTensor.FromInt8(g.Unique(stem + ".weight_quantized"), dims, qw), ws, zeroInt8: true);
        var at = nodes.IndexOf(node);
        nodes.Insert(at, weight.Node);
        node.Inputs[1] = weight.Output;
        if (node.Input(2).Length > 0)
        {
            var b = g.ConstantFloats(node.Input(2))!;
            if (b.Length != channels)
            {
                throw new QuantizationException($"node {node.DisplayName}: bias has {b.Length} values for {channels} output channels");
            }

            var (qb, bs) = WeightQuantizer.Bias(b, inputScale, ws);
            var bias = Dequantized(g, stem + ".bias", OnnxTensor.FromInt32(g.Unique(stem + ".bias_quantized"), [channels], qb), bs, zeroInt8: false);
            nodes.Insert(at + 1, bias.Node);
            node.Inputs[2] = bias.Output;
        }
    }

    private static (OnnxNode Node, string Output) Dequantized(GraphEdit g, string stem, OnnxTensor quantized, float[] scales, bool zeroInt8)
    {
        g.AddConstant(quantized);
        var scale = g.Unique(stem + "_scale");
        g.AddConstant(OnnxTensor.FromFloats(scale, [scales.Length], scales));
        var zp = g.Unique(stem + "_zero_point");
        g.AddConstant(zeroInt8
            ? OnnxTensor.FromInt8(zp, [scales.Length], new sbyte[scales.Length])
            : OnnxTensor.FromInt32(zp, [scales.Length], new int[scales.Length]));
        var output = g.Unique(stem + "_dequantized");
        var node = new OnnxNode
        {
            Name = output,
            OpType = "DequantizeLinear",
            Inputs = [quantized.Name, scale, zp],
            Outputs = [output],
            Attributes = [OnnxAttribute.Int("axis", 0)],
        };
        return (node, output);
    }
}
