namespace EdgeMobileNet.Inference.Engines.Managed.Graph;

/// <summary>One tensor of the graph: its type, its shape (all dims known after loading) and, if constant, its data.</summary>
internal sealed class GraphValue
{
    public GraphValue(string name, ElementType type, int[]? shape)
    {
        Name = name;
        Type = type;
        Shape = shape;
    }

    public string Name { get; }

    public ElementType Type { get; set; }

    public int[]? Shape { get; set; }

    public ConstantTensor? Constant { get; set; }

    public GraphNode? Producer { get; set; }

    public List<GraphNode> Consumers { get; } = [];

    public bool IsGraphInput { get; set; }

    public bool IsGraphOutput { get; set; }

    public bool IsConstant => Constant is not null;

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape ?? [])
            {
                n *= d;
            }

            return n;
        }
    }

    public override string ToString() => $"{Name}: {Type}[{string.Join(",", Shape ?? [])}]";
}
