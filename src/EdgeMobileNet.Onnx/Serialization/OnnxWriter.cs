namespace EdgeMobileNet.Onnx;

/// <summary>
/// Serializes an <see cref="OnnxModel"/> to the ONNX protobuf format (field numbers from onnx.proto). Repeated
/// scalar fields that onnx.proto declares without packing (dims, attribute lists) are written unpacked, tensor data
/// packed, as the reference serializer does.
/// </summary>
public static class OnnxWriter
{
    public static void Write(OnnxModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ToBytes(model);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllBytes(path, bytes);
    }

    public static void Write(OnnxModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model));
    }

    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var w = new ProtoWriter();
        w.Int64(1, model.IrVersion);
        if (model.ProducerName.Length > 0)
        {
            w.String(2, model.ProducerName);
        }

        if (model.ProducerVersion.Length > 0)
        {
            w.String(3, model.ProducerVersion);
        }

        if (model.Domain.Length > 0)
        {
            w.String(4, model.Domain);
        }

        if (model.ModelVersion != 0)
        {
            w.Int64(5, model.ModelVersion);
        }

        w.Message(7, g => WriteGraph(g, model.Graph));
        foreach (var opset in model.Opsets)
        {
            w.Message(8, o =>
            {
                o.String(1, opset.Domain);
                o.Int64(2, opset.Version);
            });
        }

        foreach (var (key, value) in model.Metadata)
        {
            w.Message(14, p =>
            {
                p.String(1, key);
                p.String(2, value);
            });
        }

        return w.Written.ToArray();
    }

    private static void WriteGraph(ProtoWriter w, OnnxGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            w.Message(1, n => WriteNode(n, node));
        }

        w.String(2, graph.Name);
        foreach (var t in graph.Initializers)
        {
            w.Message(5, x => WriteTensor(x, t));
        }

        foreach (var v in graph.Inputs)
        {
            w.Message(11, x => WriteValueInfo(x, v));
        }

        foreach (var v in graph.Outputs)
        {
            w.Message(12, x => WriteValueInfo(x, v));
        }

        foreach (var v in graph.ValueInfo)
        {
            w.Message(13, x => WriteValueInfo(x, v));
        }
    }

    private static void WriteNode(ProtoWriter w, OnnxNode node)
    {
        foreach (var i in node.Inputs)
        {
            w.String(1, i);
        }

        foreach (var o in node.Outputs)
        {
            w.String(2, o);
        }

        if (node.Name.Length > 0)
        {
            w.String(3, node.Name);
        }

        w.String(4, node.OpType);
        foreach (var a in node.Attributes)
        {
            w.Message(5, x => WriteAttribute(x, a));
        }

        if (node.Domain.Length > 0)
        {
            w.String(7, node.Domain);
        }
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute a)
    {
        w.String(1, a.Name);
        switch (a.Type)
        {
            case OnnxAttributeType.Float: w.Float(2, a.F); break;
            case OnnxAttributeType.Int: w.Int64(3, a.I); break;
            case OnnxAttributeType.String: w.Bytes(4, a.S); break;
            case OnnxAttributeType.Tensor when a.T is not null: w.Message(5, x => WriteTensor(x, a.T)); break;
            case OnnxAttributeType.Graph when a.Graph is not null: w.Bytes(6, a.Graph); break;
            default:
                // Untyped (legacy) attributes: write whichever fields are populated.
                if (a.Type == OnnxAttributeType.Undefined)
                {
                    if (a.F != 0)
                    {
                        w.Float(2, a.F);
                    }

                    if (a.I != 0)
                    {
                        w.Int64(3, a.I);
                    }

                    if (a.S.Length > 0)
                    {
                        w.Bytes(4, a.S);
                    }

                    if (a.T is not null)
                    {
                        w.Message(5, x => WriteTensor(x, a.T));
                    }
                }

                break;
        }

        foreach (var f in a.Floats)
        {
            w.Float(7, f);
        }

        foreach (var i in a.Ints)
        {
            w.Int64(8, i);
        }

        foreach (var s in a.Strings)
        {
            w.Bytes(9, s);
        }

        foreach (var t in a.Tensors)
        {
            w.Message(10, x => WriteTensor(x, t));
        }

        foreach (var g in a.Graphs)
        {
            w.Bytes(11, g);
        }

        foreach (var (field, payload) in a.OpaqueFields)
        {
            w.Bytes(field, payload);
        }

        if (a.Type != OnnxAttributeType.Undefined)
        {
            w.Int32(20, (int)a.Type);
        }
    }

    private static void WriteTensor(ProtoWriter w, OnnxTensor t)
    {
        foreach (var d in t.Dims)
        {
            w.Int64(1, d);
        }

        w.Int32(2, (int)t.DataType);
        if (t.FloatData is { } f)
        {
            w.PackedFloats(4, f);
        }

        if (t.Int32Data is { } i32)
        {
            w.PackedVarints(5, i32.Select(v => unchecked((ulong)(long)v)));
        }

        if (t.StringData is { } strings)
        {
            foreach (var s in strings)
            {
                w.Bytes(6, s);
            }
        }

        if (t.Int64Data is { } i64)
        {
            w.PackedVarints(7, i64.Select(v => unchecked((ulong)v)));
        }

        if (t.Name.Length > 0)
        {
            w.String(8, t.Name);
        }

        if (t.RawData is { } raw)
        {
            w.Bytes(9, raw);
        }

        if (t.DoubleData is { } d64)
        {
            w.PackedDoubles(10, d64);
        }

        if (t.UInt64Data is { } u64)
        {
            w.PackedVarints(11, u64);
        }
    }

    private static void WriteValueInfo(ProtoWriter w, OnnxValueInfo v)
    {
        w.String(1, v.Name);
        if (v.OpaqueType is { } opaque)
        {
            w.Bytes(2, opaque);
            return;
        }

        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Int32(1, (int)v.ElemType);
            if (v.Dims is { } dims)
            {
                tensor.Message(2, shape =>
                {
                    foreach (var d in dims)
                    {
                        shape.Message(1, dim =>
                        {
                            if (d.Value is { } value)
                            {
                                dim.Int64(1, value);
                            }
                            else if (d.Param is { } param)
                            {
                                dim.String(2, param);
                            }
                        });
                    }
                });
            }
        }));
    }
}
