using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Inference.Engines.Managed.Graph;

/// <summary>A graph node: the ONNX node it came from (for attributes and error messages) and its resolved values.</summary>
internal sealed class GraphNode
{
    public GraphNode(OnnxNode source, GraphValue?[] inputs, GraphValue[] outputs)
    {
        Source = source;
        Inputs = inputs;
        Outputs = outputs;
    }

    public OnnxNode Source { get; }

    public string OpType => Source.OpType;

    public string Domain => Source.Domain is "ai.onnx" ? "" : Source.Domain;

    /// <summary>Inputs; null marks an omitted optional input.</summary>
    public GraphValue?[] Inputs { get; }

    public GraphValue[] Outputs { get; }

    /// <summary>True once constant folding or fusion made the node redundant.</summary>
    public bool Removed { get; set; }

    public string DisplayName => Source.DisplayName;

    public GraphValue? Input(int index) => index < Inputs.Length ? Inputs[index] : null;

    public GraphValue Output => Outputs[0];

    public override string ToString() => Source.ToString();
}
