using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>
/// Brings the float graphs exporters write into the one shape the QDQ pass knows: Constant nodes become initializers,
/// Identity and Dropout disappear, BatchNormalization after a Conv is folded into its weights and bias, MatMul with a
/// constant matrix (plus a constant Add) becomes Gemm, the Shape/Gather/Concat/Reshape head after a global pool
/// becomes Flatten, and the opset is raised to 13 when lower (per-channel DequantizeLinear needs it).
/// </summary>
internal static class GraphNormalizer
{
    public static void Run(OnnxModel model, string nameForErrors)
    {
        var g = new GraphEdit(model);
        ConstantNodesToInitializers(g);
        RemovePassThrough(g);
        FoldBatchNorm(g, nameForErrors);
        MatMulToGemm(g);
        ReshapeAfterPoolToFlatten(g);
        g.RemoveDead();
        RaiseOpset(g);
        model.Graph.ValueInfo.Clear();
    }

    private static void ConstantNodesToInitializers(GraphEdit g)
    {
        foreach (var n in g.Graph.Nodes.Where(n => n.OpType == "Constant" && n.Domain.Length == 0).ToList())
        {
            if (n.GetTensor("value") is { } t)
            {
                t.Name = n.Outputs[0];
                g.AddConstant(t);
            }
            else if (n.Find("value_float") is { } f)
            {
                g.AddConstant(OnnxTensor.ScalarFloat(n.Outputs[0], f.F));
            }
            else if (n.Find("value_floats") is { } fs)
            {
                g.AddConstant(OnnxTensor.FromFloats(n.Outputs[0], [fs.Floats.Length], fs.Floats));
            }
            else if (n.Find("value_int") is { } i)
            {
                g.AddConstant(OnnxTensor.FromInt64(n.Outputs[0], [], [i.I]));
            }
            else if (n.Find("value_ints") is { } ints)
            {
                g.AddConstant(OnnxTensor.FromInt64(n.Outputs[0], [ints.Ints.Length], ints.Ints));
            }
            else
            {
                continue;
            }

            g.Graph.Nodes.Remove(n);
        }
    }

    private static void RemovePassThrough(GraphEdit g)
    {
        foreach (var n in g.Graph.Nodes.Where(n => n.OpType is "Identity" or "Dropout" && n.Domain.Length == 0).ToList())
        {
            if (g.IsGraphOutput(n.Outputs[0]) || (n.Outputs.Count > 1 && n.Outputs[1].Length > 0 && g.Consumers().ContainsKey(n.Outputs[1])))
            {
                continue;
            }

            g.Rewire(n.Outputs[0], n.Inputs[0]);
            g.Graph.Nodes.Remove(n);
        }
    }

    private static void FoldBatchNorm(GraphEdit g, string nameForErrors)
    {
        var producers = g.Producers();
        var consumers = g.Consumers();
        foreach (var bn in g.Graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0).ToList())
        {
            if (!producers.TryGetValue(bn.Inputs[0], out var conv) || conv.OpType != "Conv"
                || consumers[bn.Inputs[0]].Count != 1 || g.IsGraphOutput(bn.Inputs[0]))
            {
                continue;
            }

            var w = g.ConstantFloats(conv.Input(1));
            var gamma = g.ConstantFloats(bn.Input(1));
            var beta = g.ConstantFloats(bn.Input(2));
            var mean = g.ConstantFloats(bn.Input(3));
            var variance = g.ConstantFloats(bn.Input(4));
            if (w is null || gamma is null || beta is null || mean is null || variance is null)
            {
                continue;
            }

            var m = gamma.Length;
            var weight = g.Constant(conv.Input(1))!;
            if (weight.Dims.Length < 1 || weight.Dims[0] != m)
            {
                throw new QuantizationException($"{nameForErrors}: node {bn.DisplayName}: {m} channels after a conv with {(weight.Dims.Length > 0 ? weight.Dims[0] : 0)} outputs");
            }

            var epsilon = bn.GetFloat("epsilon", 1e-5f);
            var bias = g.ConstantFloats(conv.Input(2)) ?? new float[m];
            var per = w.Length / m;
            for (var o = 0; o < m; o++)
            {
                var scale = gamma[o] / MathF.Sqrt(variance[o] + epsilon);
                for (var i = 0; i < per; i++)
                {
                    w[(o * per) + i] *= scale;
                }

                bias[o] = ((bias[o] - mean[o]) * scale) + beta[o];
            }

            var wName = g.Unique(conv.Input(1) + "_bn_folded");
            var bName = g.Unique((conv.Input(2).Length > 0 ? conv.Input(2) : wName) + "_bn_bias");
            g.AddConstant(OnnxTensor.FromFloats(wName, weight.Dims, w));
            g.AddConstant(OnnxTensor.FromFloats(bName, [m], bias));
            conv.Inputs = [conv.Inputs[0], wName, bName];
            conv.Outputs[0] = bn.Outputs[0];
            g.Graph.Nodes.Remove(bn);
        }
    }

    /// <summary>MatMul(x, W[K,N]) (+ Add(b[N])) → Gemm(x, Wᵀ, b, transB=1): per-output-channel weights along axis 0.</summary>
    private static void MatMulToGemm(GraphEdit g)
    {
        foreach (var mm in g.Graph.Nodes.Where(n => n.OpType == "MatMul" && n.Domain.Length == 0).ToList())
        {
            if (g.Constant(mm.Input(1)) is not { Dims.Length: 2 } wt || g.ConstantFloats(mm.Input(1)) is not { } w)
            {
                continue;
            }

            var (k, n) = ((int)wt.Dims[0], (int)wt.Dims[1]);
            var transposed = new float[w.Length];
            for (var r = 0; r < k; r++)
            {
                for (var c = 0; c < n; c++)
                {
                    transposed[(c * k) + r] = w[(r * n) + c];
                }
            }

            var consumers = g.Consumers();
            var bias = new float[n];
            var output = mm.Outputs[0];
            OnnxNode? add = null;
            if (consumers.TryGetValue(output, out var users) && users.Count == 1 && !g.IsGraphOutput(output)
                && users[0] is { OpType: "Add", Domain: "" } a)
            {
                var other = a.Inputs[0] == output ? a.Input(1) : a.Input(0);
                if (g.ConstantFloats(other) is { } b && b.Length == n)
                {
                    bias = b;
                    add = a;
                }
            }

            var wName = g.Unique(mm.Input(1) + "_transposed");
            var bName = g.Unique(NameOf(g, mm) + "_bias");
            g.AddConstant(OnnxTensor.FromFloats(wName, [n, k], transposed));
            g.AddConstant(OnnxTensor.FromFloats(bName, [n], bias));
            mm.OpType = "Gemm";
            mm.Inputs = [mm.Inputs[0], wName, bName];
            mm.Attributes = [OnnxAttribute.Int("transB", 1)];
            if (add is not null)
            {
                mm.Outputs[0] = add.Outputs[0];
                g.Graph.Nodes.Remove(add);
            }
        }
    }

    private static string NameOf(GraphEdit g, OnnxNode node) => g.NameFor(node);

    /// <summary>torchvision's `x.reshape(x.size(0), -1)` after the pool, any Reshape/Squeeze of a [N,C,1,1] pool.</summary>
    private static void ReshapeAfterPoolToFlatten(GraphEdit g)
    {
        var producers = g.Producers();
        foreach (var r in g.Graph.Nodes.Where(n => n.OpType is "Reshape" or "Squeeze" && n.Domain.Length == 0).ToList())
        {
            if (producers.TryGetValue(r.Inputs[0], out var pool) && pool.OpType == "GlobalAveragePool")
            {
                r.OpType = "Flatten";
                r.Inputs = [r.Inputs[0]];
                r.Attributes = [OnnxAttribute.Int("axis", 1)];
            }
        }
    }

    private static void RaiseOpset(GraphEdit g)
    {
        var version = g.Model.OpsetVersion("") ?? 13;
        if (version >= 13)
        {
            return;
        }

        // Squeeze/Unsqueeze took axes as an attribute before 13, as an input since.
        foreach (var n in g.Graph.Nodes.Where(n => n.OpType is "Squeeze" or "Unsqueeze" && n.Domain.Length == 0))
        {
            if (n.GetInts("axes") is { } axes)
            {
                var name = g.Unique(g.NameFor(n) + "_axes");
                g.AddConstant(OnnxTensor.FromInt64(name, [axes.Length], axes));
                n.Inputs = [n.Inputs[0], name];
                n.Attributes.RemoveAll(a => a.Name == "axes");
            }
        }

        g.Model.Opsets.RemoveAll(o => o.Domain is "" or "ai.onnx");
        g.Model.Opsets.Insert(0, new OnnxOpset("", 13));
        g.Model.IrVersion = Math.Max(g.Model.IrVersion, 7);
    }
}
