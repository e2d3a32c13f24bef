using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>One activation the int8 model carries quantised: its name in the float graph, when a ReLU/ReLU6 is folded
/// into it the bounds the quantisation range is kept within, and when it is a reshaped copy of another quantised value
/// (Flatten before a Gemm) that value, whose parameters it shares.</summary>
public sealed record QuantizedValue(string Name, float Lower, float Upper, string? SameAs = null);

/// <summary>
/// Where QuantizeLinear/DequantizeLinear pairs go in a normalised float graph, in the layout ONNX Runtime's QDQ
/// kernels fuse: the output of every Conv, Gemm, Add, Mul, global pool, HardSwish, HardSigmoid and Sigmoid, with a
/// ReLU/ReLU6 right after a Conv folded into the Conv's output range; the graph input (or the Transpose that makes it
/// NCHW) where a quantised op reads it. Flatten/Reshape/Squeeze between a quantised value and a Gemm stay in float on
/// the dequantised value, and a zero Pad before a Conv pads the quantised tensor with its zero point.
/// </summary>
public sealed class QdqPlan
{
    private static readonly HashSet<string> PassThrough = ["Flatten", "Reshape", "Squeeze"];

    /// <summary>Values whose statistics calibration collects (the others share another value's parameters).</summary>
    public IEnumerable<QuantizedValue> CalibratedValues => Values.Where(v => v.SameAs is null);

    private QdqPlan() { }

    /// <summary>Values to quantise, in graph order (each is a float value of the normalised graph).</summary>
    public IReadOnlyList<QuantizedValue> Values { get; private init; } = [];

    /// <summary>Conv node output → the Relu/Clip folded into it (the activation's output becomes the Conv's).</summary>
    internal Dictionary<OnnxNode, OnnxNode> Folded { get; private init; } = [];

    /// <summary>Nodes whose constant weights and bias become int8/int32 behind DequantizeLinear.</summary>
    internal HashSet<OnnxNode> WeightNodes { get; private init; } = [];

    /// <summary>How many Conv/Gemm weight tensors become int8.</summary>
    public int WeightTensorCount => WeightNodes.Count;

    /// <summary>Pad nodes rewritten to pad the quantised tensor: Pad → quantised value it reads.</summary>
    internal Dictionary<OnnxNode, string> QuantizedPads { get; private init; } = [];

    /// <summary>For each activation input of a weight node, the quantised value whose scale its bias uses.</summary>
    internal Dictionary<OnnxNode, string> InputSource { get; private init; } = [];

    internal static QdqPlan Analyse(OnnxModel model)
    {
        var g = new GraphEdit(model);
        var producers = g.Producers();
        var consumers = g.Consumers();
        var values = new List<QuantizedValue>();
        var quantised = new Dictionary<string, QuantizedValue>(StringComparer.Ordinal);
        var folded = new Dictionary<OnnxNode, OnnxNode>();
        var foldedActivations = new HashSet<OnnxNode>();
        var weightNodes = new HashSet<OnnxNode>();
        var pads = new Dictionary<OnnxNode, string>();
        var inputSource = new Dictionary<OnnxNode, string>();

        void Quantise(string name, float lower = float.NegativeInfinity, float upper = float.PositiveInfinity, string? sameAs = null)
        {
            if (!quantised.ContainsKey(name))
            {
                var v = new QuantizedValue(name, lower, upper, sameAs);
                quantised[name] = v;
                values.Add(v);
            }
        }

        // The quantised value an activation input reads, looking through float data movement; null when none.
        string? Source(string name)
        {
            while (true)
            {
                if (quantised.ContainsKey(name))
                {
                    return name;
                }

                if (producers.TryGetValue(name, out var p) && p.Domain.Length == 0 && PassThrough.Contains(p.OpType))
                {
                    name = p.Inputs[0];
                    continue;
                }

                return null;
            }
        }

        foreach (var node in model.Graph.Nodes)
        {
            if (foldedActivations.Contains(node) || !IsCompute(g, node))
            {
                continue;
            }

            var activationInputs = node.OpType is "Conv" or "Gemm" ? [node.Inputs[0]] : node.Inputs.Where(i => i.Length > 0).ToArray();
            foreach (var input in activationInputs)
            {
                if (Source(input) is { } source)
                {
                    if (source != input)
                    {
                        // Flatten/Reshape between the pool and the classifier: a Q/DQ pair with the same parameters
                        // right before the Gemm, so both engines see (and fuse) DequantizeLinear → Gemm → Quantize.
                        Quantise(input, sameAs: source);
                    }

                    inputSource[node] = input;
                    continue;
                }

                if (node.OpType == "Conv" && producers.TryGetValue(input, out var pad) && IsZeroPad(g, pad) && Source(pad.Inputs[0]) is { } padded
                    && consumers[input].Count == 1 && !g.IsGraphOutput(input))
                {
                    pads[pad] = padded;
                    inputSource[node] = padded;
                    continue;
                }

                Quantise(input);
                inputSource[node] = input;
            }

            if (node.OpType is "Conv" or "Gemm")
            {
                weightNodes.Add(node);
            }

            var output = node.Outputs[0];
            if (node.OpType == "Conv" && consumers.TryGetValue(output, out var users) && users.Count == 1 && !g.IsGraphOutput(output)
                && FoldableBounds(g, users[0]) is { } bounds)
            {
                folded[node] = users[0];
                foldedActivations.Add(users[0]);
                Quantise(users[0].Outputs[0], bounds.Lower, bounds.Upper);
            }
            else
            {
                // An activation's output range never extends past what the function can produce.
                var (lower, upper) = node.OpType switch
                {
                    "HardSwish" => (-0.375f, float.PositiveInfinity),
                    "HardSigmoid" or "Sigmoid" => (0f, 1f),
                    _ => (float.NegativeInfinity, float.PositiveInfinity),
                };
                Quantise(output, lower, upper);
            }
        }

        return new QdqPlan
        {
            Values = values,
            Folded = folded,
            WeightNodes = weightNodes,
            QuantizedPads = pads,
            InputSource = inputSource,
        };
    }

    private static bool IsCompute(GraphEdit g, OnnxNode n)
    {
        if (n.Domain.Length != 0)
        {
            return false;
        }

        return n.OpType switch
        {
            "Conv" => g.ConstantFloats(n.Input(1)) is not null && (n.Input(2).Length == 0 || g.ConstantFloats(n.Input(2)) is not null),
            "Gemm" => g.Constant(n.Input(1)) is { Dims.Length: 2 } && g.ConstantFloats(n.Input(1)) is not null
                && (n.Input(2).Length == 0 || g.ConstantFloats(n.Input(2)) is not null)
                && n.GetFloat("alpha", 1f) == 1f && n.GetFloat("beta", 1f) == 1f && n.GetInt("transA", 0) == 0,
            "Add" or "Mul" => n.Inputs.Count == 2 && !g.IsConstant(n.Inputs[0]) && !g.IsConstant(n.Inputs[1]),
            "GlobalAveragePool" or "HardSwish" or "HardSigmoid" or "Sigmoid" => !g.IsConstant(n.Inputs[0]),
            _ => false,
        };
    }

    /// <summary>Bounds of a Relu or a Clip with constant bounds and a lower bound of 0 (ReLU6), else null.</summary>
    private static (float Lower, float Upper)? FoldableBounds(GraphEdit g, OnnxNode act)
    {
        if (act.Domain.Length != 0)
        {
            return null;
        }

        if (act.OpType == "Relu")
        {
            return (0f, float.PositiveInfinity);
        }

        if (act.OpType != "Clip")
        {
            return null;
        }

        var lo = act.GetFloat("min", float.NegativeInfinity);
        var hi = act.GetFloat("max", float.PositiveInfinity);
        if (act.Input(1).Length > 0)
        {
            if (g.ConstantFloats(act.Input(1)) is not [var l])
            {
                return null;
            }

            lo = l;
        }

        if (act.Input(2).Length > 0)
        {
            if (g.ConstantFloats(act.Input(2)) is not [var h])
            {
                return null;
            }

            hi = h;
        }

        // Folding works when the range includes 0 at its bottom: the zero point clamps what the activation clamped.
        return lo == 0f && hi > 0f ? (lo, hi) : null;
    }

    private static bool IsZeroPad(GraphEdit g, OnnxNode pad)
    {
        if (pad is not { OpType: "Pad", Domain: "" } || pad.GetString("mode", "constant") != "constant" || pad.Inputs.Count < 2
            || !g.IsConstant(pad.Input(1)))
        {
            return false;
        }

        return pad.Input(2).Length == 0 || g.ConstantFloats(pad.Input(2)) is [0f];
    }
}
