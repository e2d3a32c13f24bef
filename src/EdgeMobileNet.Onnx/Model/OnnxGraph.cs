namespace EdgeMobileNet.Onnx;

/// <summary>An ONNX GraphProto: nodes in file order (ONNX requires topological order), initializers and signatures.</summary>
public sealed class OnnxGraph
{
    public string Name { get; set; } = "";

    public List<OnnxNode> Nodes { get; set; } = [];

    public List<OnnxTensor> Initializers { get; set; } = [];

    public List<OnnxValueInfo> Inputs { get; set; } = [];

    public List<OnnxValueInfo> Outputs { get; set; } = [];

    public List<OnnxValueInfo> ValueInfo { get; set; } = [];

    /// <summary>Initializers by name (the last wins on duplicates, as in ONNX Runtime).</summary>
    public Dictionary<string, OnnxTensor> InitializerMap()
    {
        var map = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (var t in Initializers)
        {
            map[t.Name] = t;
        }

        return map;
    }
}
