using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Inference.Engines.OnnxRuntime;

/// <summary>
/// The graph wiring behind a model's output, read with our ONNX reader. ONNX Runtime's metadata gives shapes and
/// types but not which operator produced an output, which is what tells logits from probabilities (and, for tests,
/// the output's quantisation step).
/// </summary>
internal sealed class OnnxGraphScan
{
    /// <summary>Ops that do not change the values on the way to a graph output, so they are looked through.</summary>
    private static readonly HashSet<string> PassThrough = ["Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze"];

    private readonly Dictionary<string, OnnxNode> producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor> initializers;

    private OnnxGraphScan(OnnxGraph graph)
    {
        Nodes = graph.Nodes;
        Outputs = graph.Outputs.Select(o => o.Name).ToList();
        initializers = graph.InitializerMap();
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs)
            {
                producers[output] = node;
            }
        }
    }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Reads the file. Throws <see cref="OnnxFormatException"/> naming the file when it is not ONNX.</summary>
    public static OnnxGraphScan Read(string path) => new(OnnxReader.Read(path).Graph);

    /// <summary>The node whose result reaches <paramref name="tensor"/>, looking through value-preserving ops.</summary>
    public OnnxNode? EffectiveProducerOf(string tensor)
    {
        var node = producers.GetValueOrDefault(tensor);
        for (var guard = 0; node is not null && PassThrough.Contains(node.OpType) && node.Inputs.Count > 0 && guard < 64; guard++)
        {
            node = producers.GetValueOrDefault(node.Inputs[0]);
        }

        return node;
    }

    /// <summary>True when the output is a Softmax result, i.e. already a probability distribution.</summary>
    public bool IsSoftmaxOutput(string output) =>
        EffectiveProducerOf(output) is { OpType: "Softmax", Domain: "" or "ai.onnx" };

    /// <summary>The step of a quantised output: the scale of the DequantizeLinear that produces it, when scalar.</summary>
    public float? OutputQuantisationStep(string output) =>
        EffectiveProducerOf(output) is { OpType: "DequantizeLinear" } node
            && initializers.GetValueOrDefault(node.Input(1)) is { ElementCount: 1 } scale
            ? scale.ToFloatArray()[0]
            : null;
}
