using Google.Protobuf;

namespace EdgeMobileNet.Inference.Engines.OnnxRuntime;

/// <summary>One node of the graph as far as the ONNX Runtime engine cares: what it is and how it is wired.</summary>
internal sealed record OnnxNodeSummary(string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>
/// A light read of an ONNX file's graph wiring (nodes, graph outputs, scalar float initializers). ONNX Runtime's
/// metadata gives shapes and types but not which operator produced an output, which is what tells logits from
/// probabilities. Reads protobuf fields directly so nothing else of the model is materialised.
/// </summary>
internal sealed class OnnxGraphScan
{
    // Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
    private const int ModelGraph = 7;
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphOutput = 12;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeOpType = 4;
    private const int NodeDomain = 7;
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorFloatData = 4;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int ValueInfoName = 1;
    private const int OnnxFloat = 1;

    /// <summary>Ops that do not change the values on the way to a graph output, so they are looked through.</summary>
    private static readonly HashSet<string> PassThrough = ["Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze"];

    private readonly Dictionary<string, OnnxNodeSummary> producers = new(StringComparer.Ordinal);

    private OnnxGraphScan(List<OnnxNodeSummary> nodes, List<string> outputs, Dictionary<string, float> scalars)
    {
        Nodes = nodes;
        Outputs = outputs;
        ScalarInitializers = scalars;
        foreach (var node in nodes)
        {
            foreach (var output in node.Outputs)
            {
                producers[output] = node;
            }
        }
    }

    public IReadOnlyList<OnnxNodeSummary> Nodes { get; }

    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Float initializers with exactly one element (quantisation scales and the like), by name.</summary>
    public IReadOnlyDictionary<string, float> ScalarInitializers { get; }

    /// <summary>Reads the file. Throws <see cref="InvalidProtocolBufferException"/> when it is not protobuf.</summary>
    public static OnnxGraphScan Read(string path)
    {
        var nodes = new List<OnnxNodeSummary>();
        var outputs = new List<string>();
        var scalars = new Dictionary<string, float>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        var model = new CodedInputStream(file);
        uint tag;
        while ((tag = model.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == ModelGraph && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                ReadGraph(model.ReadBytes(), nodes, outputs, scalars);
            }
            else
            {
                model.SkipLastField();
            }
        }

        return new OnnxGraphScan(nodes, outputs, scalars);
    }

    public OnnxNodeSummary? ProducerOf(string tensor) => producers.GetValueOrDefault(tensor);

    /// <summary>The node whose result reaches <paramref name="tensor"/>, looking through value-preserving ops.</summary>
    public OnnxNodeSummary? EffectiveProducerOf(string tensor)
    {
        var node = ProducerOf(tensor);
        for (var guard = 0; node is not null && PassThrough.Contains(node.OpType) && node.Inputs.Count > 0 && guard < 64; guard++)
        {
            node = ProducerOf(node.Inputs[0]);
        }

        return node;
    }

    /// <summary>True when the output is a Softmax result, i.e. already a probability distribution.</summary>
    public bool IsSoftmaxOutput(string output) =>
        EffectiveProducerOf(output) is { OpType: "Softmax", Domain: "" or "ai.onnx" };

    /// <summary>The step of a quantised output: the scale of the DequantizeLinear that produces it, when scalar.</summary>
    public float? OutputQuantisationStep(string output) =>
        EffectiveProducerOf(output) is { OpType: "DequantizeLinear" } node && node.Inputs.Count > 1
            && ScalarInitializers.TryGetValue(node.Inputs[1], out var scale)
            ? scale
            : null;

    private static void ReadGraph(ByteString bytes, List<OnnxNodeSummary> nodes, List<string> outputs, Dictionary<string, float> scalars)
    {
        var graph = bytes.CreateCodedInput();
        uint tag;
        while ((tag = graph.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case GraphNode:
                    nodes.Add(ReadNode(graph.ReadBytes()));
                    break;
                case GraphOutput:
                    outputs.Add(ReadValueInfoName(graph.ReadBytes()));
                    break;
                case GraphInitializer:
                    ReadScalar(graph.ReadBytes(), scalars);
                    break;
                default:
                    graph.SkipLastField();
                    break;
            }
        }
    }

    private static OnnxNodeSummary ReadNode(ByteString bytes)
    {
        var node = bytes.CreateCodedInput();
        var inputs = new List<string>();
        var outputs = new List<string>();
        string opType = "", domain = "";
        uint tag;
        while ((tag = node.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case NodeInput: inputs.Add(node.ReadString()); break;
                case NodeOutput: outputs.Add(node.ReadString()); break;
                case NodeOpType: opType = node.ReadString(); break;
                case NodeDomain: domain = node.ReadString(); break;
                default: node.SkipLastField(); break;
            }
        }

        return new OnnxNodeSummary(opType, domain, inputs, outputs);
    }

    private static string ReadValueInfoName(ByteString bytes)
    {
        var info = bytes.CreateCodedInput();
        uint tag;
        while ((tag = info.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == ValueInfoName)
            {
                return info.ReadString();
            }

            info.SkipLastField();
        }

        return "";
    }

    private static void ReadScalar(ByteString bytes, Dictionary<string, float> scalars)
    {
        var tensor = bytes.CreateCodedInput();
        string name = "";
        var dataType = 0;
        long elements = 1;
        var values = new List<float>();
        ByteString? raw = null;
        uint tag;
        while ((tag = tensor.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case TensorDims when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    var packed = tensor.ReadBytes().CreateCodedInput();
                    while (!packed.IsAtEnd)
                    {
                        elements *= packed.ReadInt64();
                    }

                    break;
                case TensorDims: elements *= tensor.ReadInt64(); break;
                case TensorDataType: dataType = tensor.ReadInt32(); break;
                case TensorName: name = tensor.ReadString(); break;
                case TensorRawData: raw = tensor.ReadBytes(); break;
                case TensorFloatData when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    var floats = tensor.ReadBytes().CreateCodedInput();
                    while (!floats.IsAtEnd)
                    {
                        values.Add(floats.ReadFloat());
                    }

                    break;
                case TensorFloatData: values.Add(tensor.ReadFloat()); break;
                default: tensor.SkipLastField(); break;
            }
        }

        if (dataType != OnnxFloat || elements != 1)
        {
            return;
        }

        if (raw is { Length: 4 })
        {
            scalars[name] = BitConverter.ToSingle(raw.Span); // ONNX raw_data is little-endian, as are our targets
        }
        else if (values.Count == 1)
        {
            scalars[name] = values[0];
        }
    }
}
