using EdgeMobileNet.Inference.Engines.Managed.Graph;

namespace EdgeMobileNet.Inference.Engines.Managed.Loading;

/// <summary>
/// Evaluates nodes whose inputs are all known at load: the Shape/Gather/Unsqueeze/Concat/Reshape head of PyTorch
/// exports, Constant nodes and reshapes of initializers. DequantizeLinear of weights is deliberately left alone: the
/// planner needs the integer weights for fused quantised convolutions.
/// </summary>
internal static class ConstantFolder
{
    public static bool TryFold(ModelGraph g, GraphNode node)
    {
        if (node.Domain.Length != 0)
        {
            return false;
        }

        switch (node.OpType)
        {
            case "Constant":
                node.Output.Constant = ConstantNode(g, node);
                break;
            case "Shape" when node.Input(0)?.Shape is { } shape:
                node.Output.Constant = ConstantTensor.FromLongs([shape.Length], shape.Select(d => (long)d).ToArray());
                break;
            case "Identity" or "Dropout" when node.Input(0)?.Constant is { } c:
                node.Output.Constant = c;
                break;
            case "Gather" when AllConstant(node):
                node.Output.Constant = Gather(g, node);
                break;
            case "Unsqueeze" or "Squeeze" or "Reshape" or "Flatten" when AllConstant(node):
                var data = node.Input(0)!.Constant!;
                node.Output.Constant = data.WithShape(ShapeInference.ReshapeLike(g, node, data.Shape));
                break;
            case "Concat" when AllConstant(node):
                node.Output.Constant = Concat(g, node);
                break;
            case "Cast" when AllConstant(node):
                node.Output.Constant = Cast(g, node);
                break;
            default:
                return false;
        }

        foreach (var o in node.Outputs.Take(1))
        {
            o.Type = o.Constant!.Type;
            o.Shape = o.Constant.Shape;
        }

        return true;
    }

    private static bool AllConstant(GraphNode node) => node.Input(0) is not null && node.Inputs.All(i => i is null || i.IsConstant);

    private static ConstantTensor ConstantNode(ModelGraph g, GraphNode node)
    {
        var s = node.Source;
        if (s.GetTensor("value") is { } t)
        {
            return OnnxGraphImporter.ToConstant(g.Path, t, $"node {node.DisplayName}");
        }

        if (s.Has("value_float"))
        {
            return ConstantTensor.FromFloats([], [s.GetFloat("value_float", 0)]);
        }

        if (s.Has("value_floats"))
        {
            var f = s.GetFloats("value_floats")!;
            return ConstantTensor.FromFloats([f.Length], f);
        }

        if (s.Has("value_int"))
        {
            return ConstantTensor.FromLongs([], [s.GetInt("value_int", 0)]);
        }

        if (s.Has("value_ints"))
        {
            var l = s.GetInts("value_ints")!;
            return ConstantTensor.FromLongs([l.Length], l);
        }

        throw g.Error(node, "Constant without a supported value attribute (value, value_float(s), value_int(s))");
    }

    private static ConstantTensor Gather(ModelGraph g, GraphNode node)
    {
        var data = node.Input(0)!.Constant!;
        var indices = node.Input(1)?.Constant ?? throw g.Error(node, "indices (input 1) are missing");
        if (data.Shape.Length != 1 || node.Source.GetInt("axis", 0) != 0)
        {
            throw g.Error(node, "constant Gather is supported on 1-D data along axis 0 only");
        }

        var src = data.AsLongs();
        var idx = indices.AsLongs();
        var result = new long[idx.Length];
        for (var i = 0; i < idx.Length; i++)
        {
            var k = idx[i] < 0 ? idx[i] + src.Length : idx[i];
            if (k < 0 || k >= src.Length)
            {
                throw g.Error(node, $"index {idx[i]} is out of range for {src.Length} elements");
            }

            result[i] = src[k];
        }

        return Typed(data.Type, indices.Shape, result);
    }

    private static ConstantTensor Concat(ModelGraph g, GraphNode node)
    {
        var parts = node.Inputs.Where(i => i is not null).Select(i => i!.Constant!).ToList();
        if (parts.Any(p => p.Shape.Length != 1))
        {
            throw g.Error(node, "constant Concat is supported on 1-D tensors only");
        }

        if (parts.Count == 0)
        {
            throw g.Error(node, "Concat without inputs");
        }

        var type = parts[0].Type;
        if (type == ElementType.Float32)
        {
            var f = parts.SelectMany(p => p.AsFloats()).ToArray();
            return ConstantTensor.FromFloats([f.Length], f);
        }

        var all = parts.SelectMany(p => p.AsLongs()).ToArray();
        return Typed(type, [all.Length], all);
    }

    private static ConstantTensor Cast(ModelGraph g, GraphNode node)
    {
        var data = node.Input(0)!.Constant!;
        var to = OnnxGraphImporter.ToElementType(g.Path, (EdgeMobileNet.Onnx.OnnxDataType)node.Source.GetInt("to", 0), $"node {node.DisplayName}");
        return to == ElementType.Float32
            ? ConstantTensor.FromFloats(data.Shape, data.AsFloats())
            : Typed(to, data.Shape, data.AsLongs());
    }

    private static ConstantTensor Typed(ElementType type, int[] shape, long[] values) => type switch
    {
        ElementType.Int64 => ConstantTensor.FromLongs(shape, values),
        ElementType.Float32 => ConstantTensor.FromFloats(shape, values.Select(v => (float)v).ToArray()),
        _ => ConstantTensor.FromInts(type, shape, values.Select(v => (int)v).ToArray()),
    };
}
