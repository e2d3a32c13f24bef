using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>Small queries and edits on an <see cref="OnnxGraph"/> the quantiser's passes share.</summary>
internal sealed class GraphEdit
{
    private readonly OnnxModel _model;
    private Dictionary<string, OnnxTensor> _constants;

    public GraphEdit(OnnxModel model)
    {
        _model = model;
        _constants = model.Graph.InitializerMap();
    }

    public OnnxGraph Graph => _model.Graph;

    public OnnxModel Model => _model;

    public string NameFor(OnnxNode node) => node.Name.Length > 0 ? node.Name : node.Outputs[0];

    public OnnxTensor? Constant(string name) => name.Length > 0 && _constants.TryGetValue(name, out var t) ? t : null;

    public bool IsConstant(string name) => Constant(name) is not null;

    public float[]? ConstantFloats(string name) =>
        Constant(name) is { DataType: OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 } t ? t.ToFloatArray() : null;

    public void AddConstant(OnnxTensor tensor)
    {
        Graph.Initializers.RemoveAll(t => t.Name == tensor.Name);
        Graph.Initializers.Add(tensor);
        _constants[tensor.Name] = tensor;
    }

    public void Refresh() => _constants = Graph.InitializerMap();

    public Dictionary<string, OnnxNode> Producers()
    {
        var map = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (var n in Graph.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                map[o] = n;
            }
        }

        return map;
    }

    public Dictionary<string, List<OnnxNode>> Consumers()
    {
        var map = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (var n in Graph.Nodes)
        {
            foreach (var i in n.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!map.TryGetValue(i, out var list))
                {
                    map[i] = list = [];
                }

                list.Add(n);
            }
        }

        return map;
    }

    public bool IsGraphOutput(string name) => Graph.Outputs.Any(o => o.Name == name);

    /// <summary>Replaces every use of <paramref name="from"/> by <paramref name="to"/> (node inputs only).</summary>
    public void Rewire(string from, string to)
    {
        foreach (var n in Graph.Nodes)
        {
            for (var i = 0; i < n.Inputs.Count; i++)
            {
                if (n.Inputs[i] == from)
                {
                    n.Inputs[i] = to;
                }
            }
        }
    }

    /// <summary>Removes nodes whose outputs nobody reads (repeatedly), then initializers nobody reads.</summary>
    public void RemoveDead()
    {
        bool removed;
        do
        {
            var used = new HashSet<string>(Graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
            used.UnionWith(Graph.Outputs.Select(o => o.Name));
            removed = Graph.Nodes.RemoveAll(n => !n.Outputs.Any(used.Contains)) > 0;
        }
        while (removed);

        var live = new HashSet<string>(Graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        live.UnionWith(Graph.Outputs.Select(o => o.Name));
        Graph.Initializers.RemoveAll(t => !live.Contains(t.Name));
        Graph.Inputs.RemoveAll(i => _constants.ContainsKey(i.Name) && !live.Contains(i.Name));
        Refresh();
    }

    /// <summary>A name not used by any value or initializer yet, built from <paramref name="stem"/>.</summary>
    public string Unique(string stem)
    {
        var taken = new HashSet<string>(Graph.Nodes.SelectMany(n => n.Outputs.Concat(n.Inputs)), StringComparer.Ordinal);
        taken.UnionWith(Graph.Initializers.Select(t => t.Name));
        taken.UnionWith(Graph.Inputs.Select(t => t.Name));
        if (!taken.Contains(stem))
        {
            return stem;
        }

        for (var i = 1; ; i++)
        {
            var name = $"{stem}_{i}";
            if (!taken.Contains(name))
            {
                return name;
            }
        }
    }
}
