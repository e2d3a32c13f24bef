namespace EdgeMobileNet.Inference.Engines.Managed.Graph;

/// <summary>The imported graph: nodes in topological order and the values they connect.</summary>
internal sealed class ModelGraph
{
    public ModelGraph(string path, List<GraphNode> nodes, Dictionary<string, GraphValue> values, GraphValue input, GraphValue output, long opset)
    {
        Path = path;
        Nodes = nodes;
        Values = values;
        Input = input;
        Output = output;
        Opset = opset;
    }

    /// <summary>The model file, for error messages.</summary>
    public string Path { get; }

    public List<GraphNode> Nodes { get; }

    public Dictionary<string, GraphValue> Values { get; }

    public GraphValue Input { get; }

    public GraphValue Output { get; }

    public long Opset { get; }

    public IEnumerable<GraphNode> LiveNodes => Nodes.Where(n => !n.Removed);

    public ModelLoadException Error(GraphNode node, string what) =>
        new(Path, $"node {node.DisplayName}: {what}");

    public ModelLoadException Error(string what) => new(Path, what);
}
