using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Inference.Engines.Managed.Loading;

/// <summary>
/// ONNX object model to the engine's graph: resolves value names, converts initializers, fixes the batch to 1 and
/// checks the single image input. Everything wrong becomes a <see cref="ModelLoadException"/> naming the culprit.
/// </summary>
internal static class OnnxGraphImporter
{
    /// <summary>Refuse tensors beyond this many elements: no MobileNet comes close, mutated dims do.</summary>
    public const long MaxElements = 1L << 24;

    public static ModelGraph Import(string path, OnnxModel model)
    {
        var g = model.Graph;
        var opset = model.OpsetVersion("") ?? throw new ModelLoadException(path, "the model imports no ai.onnx opset");
        var values = new Dictionary<string, GraphValue>(StringComparer.Ordinal);

        foreach (var init in g.Initializers)
        {
            var constant = ToConstant(path, init, $"initializer '{init.Name}'");
            values[init.Name] = new GraphValue(init.Name, constant.Type, constant.Shape) { Constant = constant };
        }

        var inputs = g.Inputs.Where(i => !values.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new ModelLoadException(path, $"expected exactly one image input, found {inputs.Count} ({string.Join(", ", inputs.Select(i => i.Name))})");
        }

        var inputInfo = inputs[0];
        var input = new GraphValue(inputInfo.Name, ToElementType(path, inputInfo.ElemType, $"input '{inputInfo.Name}'"), InputShape(path, inputInfo))
        {
            IsGraphInput = true,
        };
        values[input.Name] = input;

        var nodes = new List<GraphNode>(g.Nodes.Count);
        foreach (var onnxNode in g.Nodes)
        {
            var nodeInputs = new GraphValue?[onnxNode.Inputs.Count];
            for (var i = 0; i < nodeInputs.Length; i++)
            {
                var name = onnxNode.Inputs[i];
                if (name.Length == 0)
                {
                    continue;
                }

                nodeInputs[i] = values.TryGetValue(name, out var v)
                    ? v
                    : throw new ModelLoadException(path, $"node {onnxNode.DisplayName}: input '{name}' is not produced by any earlier node");
            }

            var outputs = new GraphValue[onnxNode.Outputs.Count];
            for (var i = 0; i < outputs.Length; i++)
            {
                var name = onnxNode.Outputs[i];
                if (name.Length == 0)
                {
                    name = $"{onnxNode.DisplayName}:unused{i}";
                }

                if (values.ContainsKey(name))
                {
                    throw new ModelLoadException(path, $"node {onnxNode.DisplayName}: output '{name}' is already defined");
                }

                outputs[i] = new GraphValue(name, ElementType.Float32, null);
                values[name] = outputs[i];
            }

            var node = new GraphNode(onnxNode, nodeInputs, outputs);
            foreach (var v in nodeInputs)
            {
                v?.Consumers.Add(node);
            }

            foreach (var v in outputs)
            {
                v.Producer = node;
            }

            nodes.Add(node);
        }

        if (g.Outputs.Count == 0)
        {
            throw new ModelLoadException(path, "the graph declares no output");
        }

        // A classifier has one output; extra outputs (rare) are ignored, the first is the class vector.
        var outputName = g.Outputs[0].Name;
        if (!values.TryGetValue(outputName, out var output))
        {
            throw new ModelLoadException(path, $"graph output '{outputName}' is not produced by any node");
        }

        output.IsGraphOutput = true;
        return new ModelGraph(path, nodes, values, input, output, opset);
    }

    public static ElementType ToElementType(string path, OnnxDataType type, string what) => type switch
    {
        OnnxDataType.Float => ElementType.Float32,
        OnnxDataType.UInt8 => ElementType.UInt8,
        OnnxDataType.Int8 => ElementType.Int8,
        OnnxDataType.Int32 => ElementType.Int32,
        OnnxDataType.Int64 => ElementType.Int64,
        _ => throw new ModelLoadException(path, $"{what}: element type {type} is not supported by the managed engine"),
    };

    public static ConstantTensor ToConstant(string path, OnnxTensor t, string what)
    {
        var type = ToElementType(path, t.DataType, what);
        var shape = CheckedShape(path, t.Dims, what);
        try
        {
            return type switch
            {
                ElementType.Float32 => ConstantTensor.FromFloats(shape, t.ToFloatArray()),
                ElementType.Int64 => ConstantTensor.FromLongs(shape, t.ToInt64Array()),
                _ => ConstantTensor.FromInts(type, shape, t.ToInt32Array()),
            };
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            throw new ModelLoadException(path, $"{what}: unreadable data ({ex.Message})", ex);
        }
    }

    public static int[] CheckedShape(string path, long[] dims, string what)
    {
        var shape = new int[dims.Length];
        long n = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > MaxElements)
            {
                throw new ModelLoadException(path, $"{what}: dimension {i} is {dims[i]}");
            }

            shape[i] = (int)dims[i];
            n *= dims[i];
            if (n > MaxElements)
            {
                throw new ModelLoadException(path, $"{what}: shape [{string.Join(",", dims)}] is too large (limit {MaxElements} elements)");
            }
        }

        return shape;
    }

    private static int[] InputShape(string path, OnnxValueInfo info)
    {
        var what = $"input '{info.Name}'";
        if (info.Dims is not { Length: 4 } dims)
        {
            throw new ModelLoadException(path, $"{what}: expected a 4-D image tensor, got rank {info.Dims?.Length.ToString() ?? "unknown"}");
        }

        var shape = new long[4];
        for (var i = 0; i < 4; i++)
        {
            if (dims[i].Value is { } v and > 0)
            {
                shape[i] = v;
            }
            else if (i == 0)
            {
                shape[i] = 1; // symbolic or unknown batch: we always run one image
            }
            else
            {
                throw new ModelLoadException(path, $"{what}: dimension {i} is '{dims[i]}'; the managed engine needs a fixed image size");
            }
        }

        if (shape[0] != 1)
        {
            throw new ModelLoadException(path, $"{what}: batch is {shape[0]}; only batch 1 is supported");
        }

        return CheckedShape(path, shape, what);
    }
}
