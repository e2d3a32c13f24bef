using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Cli.Tests.Support;

/// <summary>One tensor of a tiny graph's interface: name, element type and shape (ints, or strings for symbols).</summary>
public sealed record TinyTensor(string Name, OnnxDataType ElementType, params object[] Dims);

/// <summary>A node: operator, inputs, outputs and integer attributes.</summary>
public sealed record TinyNode(string OpType, string[] Inputs, string[] Outputs, params (string Name, long Value)[] IntAttributes);

/// <summary>Writes small valid ONNX models for shapes no real model has (a non-image input, a Softmax head, NHWC uint8).</summary>
public static class TinyOnnx
{
    public const OnnxDataType Float = OnnxDataType.Float;
    public const OnnxDataType UInt8 = OnnxDataType.UInt8;

    public static string Write(string path, TinyTensor input, TinyTensor output, params TinyNode[] nodes)
    {
        var model = new OnnxModel
        {
            IrVersion = 8,
            Opsets = [new OnnxOpset("", 13)],
            Graph = new OnnxGraph
            {
                Name = "tiny",
                Inputs = [ValueInfo(input)],
                Outputs = [ValueInfo(output)],
                Nodes = nodes.Select(n => new OnnxNode
                {
                    OpType = n.OpType,
                    Inputs = [.. n.Inputs],
                    Outputs = [.. n.Outputs],
                    Attributes = [.. n.IntAttributes.Select(a => OnnxAttribute.Int(a.Name, a.Value))],
                }).ToList(),
            },
        };
        OnnxWriter.Write(model, path);
        return path;
    }

    private static OnnxValueInfo ValueInfo(TinyTensor tensor) => new()
    {
        Name = tensor.Name,
        ElemType = tensor.ElementType,
        Dims = [.. tensor.Dims.Select(d => d is string symbol
            ? OnnxDim.Symbolic(symbol)
            : OnnxDim.Fixed(Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture)))],
    };
}
