using Google.Protobuf;

namespace EdgeMobileNet.Cli.Tests.Support;

/// <summary>One tensor of a tiny graph's interface: name, ONNX element type (1 float, 2 uint8) and shape.</summary>
public sealed record TinyTensor(string Name, int ElementType, params object[] Dims);

/// <summary>A node: operator, inputs, outputs and integer attributes.</summary>
public sealed record TinyNode(string OpType, string[] Inputs, string[] Outputs, params (string Name, long Value)[] IntAttributes);

/// <summary>
/// Writes small but valid ONNX models byte by byte with protobuf coded streams, for shapes no real model has
/// (a non-image input, a Softmax head, NHWC uint8). Field numbers follow onnx.proto.
/// </summary>
public static class TinyOnnx
{
    public const int Float = 1;
    public const int UInt8 = 2;

    public static string Write(string path, TinyTensor input, TinyTensor output, params TinyNode[] nodes)
    {
        var graph = Message(w =>
        {
            foreach (var node in nodes)
            {
                Embedded(w, 1, NodeBytes(node));
            }

            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString("tiny");
            Embedded(w, 11, ValueInfo(input));
            Embedded(w, 12, ValueInfo(output));
        });
        var model = Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt64(8); // ir_version
            Embedded(w, 8, Message(o =>
            {
                o.WriteTag(2, WireFormat.WireType.Varint);
                o.WriteInt64(13); // ai.onnx opset (empty domain)
            }));
            Embedded(w, 7, graph);
        });
        File.WriteAllBytes(path, model);
        return path;
    }

    private static byte[] NodeBytes(TinyNode node) => Message(w =>
    {
        foreach (var i in node.Inputs)
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(i);
        }

        foreach (var o in node.Outputs)
        {
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString(o);
        }

        w.WriteTag(4, WireFormat.WireType.LengthDelimited);
        w.WriteString(node.OpType);
        foreach (var (name, value) in node.IntAttributes)
        {
            Embedded(w, 5, Message(a =>
            {
                a.WriteTag(1, WireFormat.WireType.LengthDelimited);
                a.WriteString(name);
                a.WriteTag(3, WireFormat.WireType.Varint);
                a.WriteInt64(value);
                a.WriteTag(20, WireFormat.WireType.Varint);
                a.WriteInt32(2); // AttributeProto.INT
            }));
        }
    });

    private static byte[] ValueInfo(TinyTensor tensor) => Message(w =>
    {
        w.WriteTag(1, WireFormat.WireType.LengthDelimited);
        w.WriteString(tensor.Name);
        var shape = Message(s =>
        {
            foreach (var dim in tensor.Dims)
            {
                Embedded(s, 1, Message(d =>
                {
                    if (dim is string symbol)
                    {
                        d.WriteTag(2, WireFormat.WireType.LengthDelimited);
                        d.WriteString(symbol);
                    }
                    else
                    {
                        d.WriteTag(1, WireFormat.WireType.Varint);
                        d.WriteInt64(Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
                    }
                }));
            }
        });
        var tensorType = Message(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint);
            t.WriteInt32(tensor.ElementType);
            Embedded(t, 2, shape);
        });
        Embedded(w, 2, Message(t => Embedded(t, 1, tensorType)));
    });

    private static void Embedded(CodedOutputStream w, int field, byte[] bytes)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(bytes));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(w);
        }

        return buffer.ToArray();
    }
}
