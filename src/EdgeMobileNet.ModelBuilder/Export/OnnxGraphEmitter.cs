using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Export;

/// <summary>Accumulates nodes and initializers of one ONNX graph, keeping constant names unique.</summary>
internal sealed class OnnxGraphEmitter
{
    private readonly Dictionary<string, OnnxTensor> _initializers = new(StringComparer.Ordinal);

    public OnnxGraph Graph { get; } = new() { Name = "mobilenet" };

    public string Constant(OnnxTensor tensor)
    {
        if (!_initializers.TryAdd(tensor.Name, tensor))
        {
            throw new InvalidOperationException($"duplicate initializer '{tensor.Name}'");
        }

        Graph.Initializers.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A scalar constant shared by name (e.g. the ReLU6 bounds), created on first use.</summary>
    public string SharedScalar(string name, float value) =>
        _initializers.ContainsKey(name) ? name : Constant(OnnxTensor.ScalarFloat(name, value));

    public string Node(string opType, string output, IEnumerable<string> inputs, params OnnxAttribute[] attributes) =>
        NodeIn("", opType, output, inputs, attributes);

    public string NodeIn(string domain, string opType, string output, IEnumerable<string> inputs, params OnnxAttribute[] attributes)
    {
        Graph.Nodes.Add(new OnnxNode
        {
            Name = output,
            OpType = opType,
            Domain = domain,
            Inputs = [.. inputs],
            Outputs = [output],
            Attributes = [.. attributes],
        });
        return output;
    }

    public OnnxModel ToModel(params OnnxOpset[] opsets) => new()
    {
        IrVersion = 8,
        ProducerName = "edgemobilenet",
        ProducerVersion = typeof(OnnxGraphEmitter).Assembly.GetName().Version?.ToString(3) ?? "0",
        Opsets = [.. opsets],
        Graph = Graph,
    };
}
