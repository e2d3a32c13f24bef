using System.Text;

namespace EdgeMobileNet.Onnx;

/// <summary>AttributeProto.AttributeType numbering.</summary>
public enum OnnxAttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
}

/// <summary>
/// A node attribute. Only the field matching <see cref="Type"/> is meaningful. Subgraphs (If/Loop bodies), sparse
/// tensors and type protos are kept as their serialized bytes: nothing here executes them, but they survive a
/// read/write round trip.
/// </summary>
public sealed class OnnxAttribute
{
    public string Name { get; set; } = "";

    public OnnxAttributeType Type { get; set; }

    public float F { get; set; }

    public long I { get; set; }

    public byte[] S { get; set; } = [];

    public OnnxTensor? T { get; set; }

    public float[] Floats { get; set; } = [];

    public long[] Ints { get; set; } = [];

    public List<byte[]> Strings { get; set; } = [];

    public List<OnnxTensor> Tensors { get; set; } = [];

    /// <summary>Serialized GraphProto of a GRAPH attribute.</summary>
    public byte[]? Graph { get; set; }

    /// <summary>Serialized GraphProtos of a GRAPHS attribute.</summary>
    public List<byte[]> Graphs { get; set; } = [];

    /// <summary>Fields kept verbatim (field number, payload): sparse tensors and type protos.</summary>
    public List<(int Field, byte[] Payload)> OpaqueFields { get; set; } = [];

    public string StringValue => Encoding.UTF8.GetString(S);

    public static OnnxAttribute Int(string name, long value) => new() { Name = name, Type = OnnxAttributeType.Int, I = value };

    public static OnnxAttribute Float(string name, float value) => new() { Name = name, Type = OnnxAttributeType.Float, F = value };

    public static OnnxAttribute String(string name, string value) =>
        new() { Name = name, Type = OnnxAttributeType.String, S = Encoding.UTF8.GetBytes(value) };

    public static OnnxAttribute IntList(string name, params long[] values) =>
        new() { Name = name, Type = OnnxAttributeType.Ints, Ints = values };

    public static OnnxAttribute FloatList(string name, params float[] values) =>
        new() { Name = name, Type = OnnxAttributeType.Floats, Floats = values };

    public static OnnxAttribute TensorValue(string name, OnnxTensor value) =>
        new() { Name = name, Type = OnnxAttributeType.Tensor, T = value };

    public override string ToString() => Type switch
    {
        OnnxAttributeType.Int => $"{Name}={I}",
        OnnxAttributeType.Float => $"{Name}={F}",
        OnnxAttributeType.String => $"{Name}='{StringValue}'",
        OnnxAttributeType.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        OnnxAttributeType.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        _ => $"{Name}:{Type}",
    };
}
