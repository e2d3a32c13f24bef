using EdgeMobileNet.Inference.Engines.Managed.Graph;

namespace EdgeMobileNet.Inference.Engines.Managed.Loading;

/// <summary>
/// Walks the graph once in order, folding constants and giving every value its element type and static shape. Ops the
/// engine cannot run are rejected here, at load, with the node, the op and what is unsupported.
/// </summary>
internal static class ShapeInference
{
    public static void Run(ModelGraph g)
    {
        foreach (var node in g.Nodes)
        {
            if (ConstantFolder.TryFold(g, node))
            {
                node.Removed = true;
            }
            else
            {
                Infer(g, node);
            }

            foreach (var o in node.Outputs)
            {
                if (o.Shape is null)
                {
                    continue;
                }

                OnnxGraphImporter.CheckedShape(g.Path, o.Shape.Select(d => (long)d).ToArray(), $"node {node.DisplayName} output '{o.Name}'");
            }
        }

        if (g.Output.Shape is null)
        {
            throw g.Error($"graph output '{g.Output.Name}' has no inferred shape");
        }
    }

    private static void Infer(ModelGraph g, GraphNode node)
    {
        foreach (var input in node.Inputs)
        {
            if (input is not null && input.Shape is null)
            {
                throw g.Error(node, $"input '{input.Name}' has an unknown shape");
            }
        }

        var op = node.Domain.Length == 0 ? node.OpType : $"{node.Domain}.{node.OpType}";
        switch (op)
        {
            case "Conv":
                SetConv(g, node, Required(g, node, 0), Required(g, node, 1), ElementType.Float32);
                break;
            case "QLinearConv":
                SetConv(g, node, Required(g, node, 0), Required(g, node, 3), Required(g, node, 7).Type);
                break;
            case "BatchNormalization" or "Relu" or "Clip" or "Sigmoid" or "HardSigmoid" or "HardSwish" or "Identity" or "Dropout" or "Softmax":
                Same(node, Required(g, node, 0), Required(g, node, 0).Type);
                if (node.OpType == "Dropout" && node.Outputs.Length > 1 && node.Outputs[1].Consumers.Count > 0)
                {
                    throw g.Error(node, "the Dropout mask output is not supported");
                }

                break;
            case "Add" or "Sub" or "Mul" or "Div":
                Set(node.Output, Required(g, node, 0).Type, BroadcastShape(g, node, Required(g, node, 0).Shape!, Required(g, node, 1).Shape!));
                break;
            case "com.microsoft.QLinearAdd" or "com.microsoft.QLinearMul":
                Set(node.Output, Required(g, node, 0).Type, BroadcastShape(g, node, Required(g, node, 0).Shape!, Required(g, node, 3).Shape!));
                break;
            case "GlobalAveragePool":
            case "com.microsoft.QLinearGlobalAveragePool":
            {
                var x = Required(g, node, 0);
                Require4D(g, node, x);
                if (node.Source.GetInt("channels_last", 0) != 0)
                {
                    throw g.Error(node, "channels_last=1 is not supported");
                }

                Set(node.Output, node.Domain.Length == 0 ? x.Type : Required(g, node, 4).Type, [x.Shape![0], x.Shape[1], 1, 1]);
                break;
            }

            case "ReduceMean":
                InferReduceMean(g, node);
                break;
            case "AveragePool":
            {
                var x = Required(g, node, 0);
                Require4D(g, node, x);
                var k = node.Source.GetInts("kernel_shape") ?? throw g.Error(node, "kernel_shape is required");
                if (k.Length != 2 || k.Any(v => v is < 1 or > 1024))
                {
                    throw g.Error(node, $"kernel_shape [{string.Join(",", k)}] is not a 2-D window");
                }

                if (node.Source.GetInt("ceil_mode", 0) != 0)
                {
                    throw g.Error(node, "ceil_mode=1 is not supported");
                }

                var a = ConvAttributes.Read(g, node, x.Shape![2], x.Shape[3], (int)k[0], (int)k[1]);
                if (a.DilationH != 1 || a.DilationW != 1)
                {
                    throw g.Error(node, "dilations are not supported");
                }

                var (oh, ow) = a.OutputSize(g, node, x.Shape[2], x.Shape[3]);
                Set(node.Output, x.Type, [x.Shape[0], x.Shape[1], oh, ow]);
                break;
            }

            case "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze":
                Set(node.Output, Required(g, node, 0).Type, ReshapeLike(g, node, Required(g, node, 0).Shape!));
                break;
            case "Transpose":
            {
                var x = Required(g, node, 0);
                var perm = Permutation(g, node, x.Shape!.Length);
                Set(node.Output, x.Type, perm.Select(p => x.Shape[p]).ToArray());
                break;
            }

            case "Pad":
                InferPad(g, node);
                break;
            case "Gemm":
            {
                var a = Required(g, node, 0).Shape!;
                var b = Required(g, node, 1).Shape!;
                if (a.Length != 2 || b.Length != 2)
                {
                    throw g.Error(node, "Gemm needs 2-D inputs");
                }

                var transA = node.Source.GetInt("transA", 0) != 0;
                var transB = node.Source.GetInt("transB", 0) != 0;
                var (m, k) = transA ? (a[1], a[0]) : (a[0], a[1]);
                var (kb, n) = transB ? (b[1], b[0]) : (b[0], b[1]);
                if (k != kb)
                {
                    throw g.Error(node, $"inner dimensions differ ({k} vs {kb})");
                }

                Set(node.Output, ElementType.Float32, [m, n]);
                break;
            }

            case "MatMul":
                SetMatMul(g, node, Required(g, node, 0), Required(g, node, 1), ElementType.Float32);
                break;
            case "QLinearMatMul":
                SetMatMul(g, node, Required(g, node, 0), Required(g, node, 3), Required(g, node, 7).Type);
                break;
            case "QuantizeLinear":
                Same(node, Required(g, node, 0), node.Input(2)?.Type ?? ElementType.UInt8);
                break;
            case "DequantizeLinear":
                Same(node, Required(g, node, 0), ElementType.Float32);
                break;
            case "com.microsoft.QLinearSigmoid":
                Same(node, Required(g, node, 0), node.Input(4)?.Type ?? Required(g, node, 0).Type);
                break;
            default:
                throw g.Error(node, $"operator {op} is not supported by the managed engine");
        }
    }

    private static GraphValue Required(ModelGraph g, GraphNode node, int index) =>
        node.Input(index) ?? throw g.Error(node, $"required input {index} is missing");

    private static void Set(GraphValue v, ElementType type, int[] shape)
    {
        v.Type = type;
        v.Shape = shape;
    }

    private static void Same(GraphNode node, GraphValue x, ElementType type) => Set(node.Output, type, (int[])x.Shape!.Clone());

    private static void Require4D(ModelGraph g, GraphNode node, GraphValue x)
    {
        if (x.Shape!.Length != 4)
        {
            throw g.Error(node, $"input '{x.Name}' has rank {x.Shape.Length}; a 4-D NCHW tensor is required");
        }
    }

    private static void SetConv(ModelGraph g, GraphNode node, GraphValue x, GraphValue w, ElementType outType)
    {
        Require4D(g, node, x);
        if (w.Shape!.Length != 4)
        {
            throw g.Error(node, $"weights '{w.Name}' have rank {w.Shape.Length}; only 2-D convolutions are supported");
        }

        if (!w.IsConstant && w.Producer?.OpType != "DequantizeLinear")
        {
            throw g.Error(node, $"weights '{w.Name}' are not constant");
        }

        var a = ConvAttributes.Read(g, node, x.Shape![2], x.Shape[3], w.Shape[2], w.Shape[3]);
        var kernel = node.Source.GetInts("kernel_shape");
        if (kernel is not null && (kernel.Length != 2 || kernel[0] != w.Shape[2] || kernel[1] != w.Shape[3]))
        {
            throw g.Error(node, $"kernel_shape [{string.Join(",", kernel)}] disagrees with the weights");
        }

        if (x.Shape[1] % a.Group != 0 || w.Shape[0] % a.Group != 0 || x.Shape[1] / a.Group != w.Shape[1])
        {
            throw g.Error(node, $"group {a.Group} does not match input channels {x.Shape[1]} and weights [{string.Join(",", w.Shape)}]");
        }

        var (oh, ow) = a.OutputSize(g, node, x.Shape[2], x.Shape[3]);
        Set(node.Output, outType, [x.Shape[0], w.Shape[0], oh, ow]);
    }

    private static void SetMatMul(ModelGraph g, GraphNode node, GraphValue a, GraphValue b, ElementType outType)
    {
        var sa = a.Shape!;
        var sb = b.Shape!;
        if (sb.Length != 2 || sa.Length < 2 || sa[^1] != sb[0])
        {
            throw g.Error(node, $"shapes [{string.Join(",", sa)}] x [{string.Join(",", sb)}] are not supported (B must be 2-D and match)");
        }

        var shape = (int[])sa.Clone();
        shape[^1] = sb[1];
        Set(node.Output, outType, shape);
    }

    public static int[] BroadcastShape(ModelGraph g, GraphNode node, int[] a, int[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        if (rank > 4)
        {
            throw g.Error(node, $"rank {rank} is not supported (at most 4)");
        }

        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw g.Error(node, $"shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast");
            }

            result[i] = Math.Max(da, db);
        }

        return result;
    }

    public static int[] Permutation(ModelGraph g, GraphNode node, int rank)
    {
        var perm = node.Source.GetInts("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
        {
            throw g.Error(node, $"perm [{string.Join(",", perm)}] is not a permutation of rank {rank}");
        }

        return perm;
    }

    /// <summary>Output shape of Flatten, Reshape, Squeeze and Unsqueeze (shape/axes inputs must be constant).</summary>
    public static int[] ReshapeLike(ModelGraph g, GraphNode node, int[] shape)
    {
        long total = 1;
        foreach (var d in shape)
        {
            total *= d;
        }

        switch (node.OpType)
        {
            case "Flatten":
            {
                var axis = (int)node.Source.GetInt("axis", 1);
                axis = axis < 0 ? axis + shape.Length : axis;
                if (axis < 0 || axis > shape.Length)
                {
                    throw g.Error(node, $"axis {axis} is out of range");
                }

                long outer = 1;
                for (var i = 0; i < axis; i++)
                {
                    outer *= shape[i];
                }

                return [(int)outer, (int)(total / Math.Max(outer, 1))];
            }

            case "Reshape":
            {
                var target = ConstantInput(g, node, 1, "shape").AsLongs();
                var result = new int[target.Length];
                var infer = -1;
                long known = 1;
                for (var i = 0; i < target.Length; i++)
                {
                    var d = target[i];
                    if (d == 0 && node.Source.GetInt("allowzero", 0) == 0)
                    {
                        d = i < shape.Length ? shape[i] : throw g.Error(node, $"shape entry {i} copies a missing dimension");
                    }

                    if (d == -1)
                    {
                        if (infer >= 0)
                        {
                            throw g.Error(node, "more than one -1 in the target shape");
                        }

                        infer = i;
                        continue;
                    }

                    if (d < 0 || d > OnnxGraphImporter.MaxElements)
                    {
                        throw g.Error(node, $"target shape entry {d} is invalid");
                    }

                    result[i] = (int)d;
                    known *= d;
                }

                if (infer >= 0)
                {
                    if (known == 0 || total % known != 0)
                    {
                        throw g.Error(node, $"cannot infer -1 reshaping {total} elements to [{string.Join(",", target)}]");
                    }

                    result[infer] = (int)(total / known);
                    known *= result[infer];
                }

                if (known != total)
                {
                    throw g.Error(node, $"cannot reshape [{string.Join(",", shape)}] to [{string.Join(",", target)}]");
                }

                return result;
            }

            case "Squeeze":
            {
                var axes = Axes(g, node, shape.Length);
                if (axes is null)
                {
                    return shape.Where(d => d != 1).ToArray();
                }

                if (axes.Any(a => shape[a] != 1))
                {
                    throw g.Error(node, "squeezed axis is not 1");
                }

                return shape.Where((_, i) => !axes.Contains(i)).ToArray();
            }

            default:
            {
                var rank = shape.Length + (Axes(g, node, int.MaxValue)?.Length ?? 0);
                var axes = Axes(g, node, rank) ?? throw g.Error(node, "axes are required");
                var result = new List<int>();
                var src = 0;
                for (var i = 0; i < rank; i++)
                {
                    result.Add(axes.Contains(i) ? 1 : src < shape.Length ? shape[src++] : throw g.Error(node, "axes out of range"));
                }

                return result.ToArray();
            }
        }
    }

    /// <summary>Axes from the attribute (older opsets) or the second input (newer), normalised to [0, rank).</summary>
    public static int[]? Axes(ModelGraph g, GraphNode node, int rank)
    {
        long[]? raw = node.Source.GetInts("axes");
        if (raw is null && node.Input(1) is not null)
        {
            raw = ConstantInput(g, node, 1, "axes").AsLongs();
        }

        if (raw is null)
        {
            return null;
        }

        var axes = new int[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var a = raw[i] < 0 && rank != int.MaxValue ? raw[i] + rank : raw[i];
            if (a < 0 || (rank != int.MaxValue && a >= rank))
            {
                throw g.Error(node, $"axis {raw[i]} is out of range for rank {rank}");
            }

            axes[i] = (int)a;
        }

        return axes;
    }

    public static ConstantTensor ConstantInput(ModelGraph g, GraphNode node, int index, string what) =>
        node.Input(index)?.Constant ?? throw g.Error(node, $"{what} (input {index}) must be a constant");

    private static void InferReduceMean(ModelGraph g, GraphNode node)
    {
        var x = Required(g, node, 0);
        var rank = x.Shape!.Length;
        var axes = Axes(g, node, rank) ?? Enumerable.Range(0, rank).ToArray();
        var keep = node.Source.GetInt("keepdims", 1) != 0;
        var shape = new List<int>();
        for (var i = 0; i < rank; i++)
        {
            if (!axes.Contains(i))
            {
                shape.Add(x.Shape[i]);
            }
            else if (keep)
            {
                shape.Add(1);
            }
        }

        Set(node.Output, x.Type, shape.ToArray());
    }

    private static void InferPad(ModelGraph g, GraphNode node)
    {
        var x = Required(g, node, 0);
        var mode = node.Source.GetString("mode", "constant");
        if (mode != "constant")
        {
            throw g.Error(node, $"mode '{mode}' is not supported (only constant)");
        }

        var pads = PadAmounts(g, node, x.Shape!.Length);
        var shape = new int[x.Shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = x.Shape[i] + (int)pads[i] + (int)pads[i + shape.Length];
            if (pads[i] < 0 || pads[i + shape.Length] < 0)
            {
                throw g.Error(node, "negative pads are not supported");
            }
        }

        Set(node.Output, x.Type, shape);
    }

    public static long[] PadAmounts(ModelGraph g, GraphNode node, int rank)
    {
        var pads = node.Source.GetInts("pads") ?? ConstantInput(g, node, 1, "pads").AsLongs();
        if (pads.Length != 2 * rank || pads.Any(p => p > 4096))
        {
            throw g.Error(node, $"pads [{string.Join(",", pads)}] do not fit rank {rank}");
        }

        if (node.Input(3) is not null)
        {
            throw g.Error(node, "the axes input of Pad is not supported");
        }

        return pads;
    }
}
