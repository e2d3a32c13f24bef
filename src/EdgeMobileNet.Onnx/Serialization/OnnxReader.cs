namespace EdgeMobileNet.Onnx;

/// <summary>
/// Reads ONNX model files into the <see cref="OnnxModel"/> object model. Field numbers follow onnx.proto; unknown
/// fields are skipped. Malformed input of any kind raises <see cref="OnnxFormatException"/> and nothing else.
/// </summary>
public static class OnnxReader
{
    public static OnnxModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllBytes(path), path);
    }

    public static OnnxModel Read(byte[] data, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Read(data.AsSpan(), nameForErrors);
    }

    public static OnnxModel Read(ReadOnlySpan<byte> data, string nameForErrors)
    {
        try
        {
            if (data.Length == 0)
            {
                throw new OnnxFormatException($"{nameForErrors}: file is empty");
            }

            return ReadModel(new ProtoReader(data, nameForErrors, "model"));
        }
        catch (OnnxFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Anything else is a gap in the checks above; still report it as a format problem of this file.
            throw new OnnxFormatException($"{nameForErrors}: unreadable ONNX data ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static OnnxModel ReadModel(ProtoReader r)
    {
        var model = new OnnxModel { IrVersion = 0 };
        var sawGraph = false;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: model.IrVersion = r.ReadInt64(wt, field); break;
                case 2: model.ProducerName = r.ReadString(wt, field); break;
                case 3: model.ProducerVersion = r.ReadString(wt, field); break;
                case 4: model.Domain = r.ReadString(wt, field); break;
                case 5: model.ModelVersion = r.ReadInt64(wt, field); break;
                case 7:
                    model.Graph = ReadGraph(new ProtoReader(r.ReadBytes(wt, field), r.File, "graph"));
                    sawGraph = true;
                    break;
                case 8:
                    model.Opsets.Add(ReadOpset(new ProtoReader(r.ReadBytes(wt, field), r.File, $"opset_import[{model.Opsets.Count}]")));
                    break;
                case 14:
                    model.Metadata.Add(ReadStringPair(new ProtoReader(r.ReadBytes(wt, field), r.File, $"metadata_props[{model.Metadata.Count}]")));
                    break;
                default: r.Skip(wt, field); break;
            }
        }

        if (!sawGraph)
        {
            throw r.Fail("no graph (not an ONNX model?)");
        }

        return model;
    }

    private static OnnxOpset ReadOpset(ProtoReader r)
    {
        string domain = "";
        long version = 0;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: domain = r.ReadString(wt, field); break;
                case 2: version = r.ReadInt64(wt, field); break;
                default: r.Skip(wt, field); break;
            }
        }

        return new OnnxOpset(domain, version);
    }

    private static (string Key, string Value) ReadStringPair(ProtoReader r)
    {
        string key = "", value = "";
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: key = r.ReadString(wt, field); break;
                case 2: value = r.ReadString(wt, field); break;
                default: r.Skip(wt, field); break;
            }
        }

        return (key, value);
    }

    private static OnnxGraph ReadGraph(ProtoReader r)
    {
        var g = new OnnxGraph();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: g.Nodes.Add(ReadNode(new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.node[{g.Nodes.Count}]"))); break;
                case 2: g.Name = r.ReadString(wt, field); break;
                case 5: g.Initializers.Add(ReadTensor(new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.initializer[{g.Initializers.Count}]"))); break;
                case 11: g.Inputs.Add(ReadValueInfo(new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.input[{g.Inputs.Count}]"))); break;
                case 12: g.Outputs.Add(ReadValueInfo(new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.output[{g.Outputs.Count}]"))); break;
                case 13: g.ValueInfo.Add(ReadValueInfo(new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.value_info[{g.ValueInfo.Count}]"))); break;
                case 15:
                    r.ReadBytes(wt, field);
                    throw r.Fail("sparse initializers are not supported");
                default: r.Skip(wt, field); break;
            }
        }

        return g;
    }

    private static OnnxNode ReadNode(ProtoReader r)
    {
        var n = new OnnxNode();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: n.Inputs.Add(r.ReadString(wt, field)); break;
                case 2: n.Outputs.Add(r.ReadString(wt, field)); break;
                case 3: n.Name = r.ReadString(wt, field); break;
                case 4: n.OpType = r.ReadString(wt, field); break;
                case 5:
                    // The attribute's name is only known after parsing it; index first, name patched into errors below.
                    n.Attributes.Add(ReadAttribute(r.ReadBytes(wt, field), r.File, $"{r.Where}.attribute[{n.Attributes.Count}]"));
                    break;
                case 7: n.Domain = r.ReadString(wt, field); break;
                default: r.Skip(wt, field); break;
            }
        }

        if (n.OpType.Length == 0)
        {
            throw r.Fail("node has no op_type");
        }

        return n;
    }

    private static OnnxAttribute ReadAttribute(ReadOnlySpan<byte> bytes, string file, string where)
    {
        // Find the name first so that every error about this attribute can name it ("attribute 'pads'").
        var name = PeekAttributeName(bytes, file, where);
        var r = new ProtoReader(bytes, file, name is null ? where : $"{where[..where.LastIndexOf('[')]} '{OnnxText.Safe(name)}'");
        var a = new OnnxAttribute();
        List<float>? floats = null;
        List<long>? ints = null;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: a.Name = r.ReadString(wt, field); break;
                case 2: a.F = r.ReadFloat(wt, field); break;
                case 3: a.I = r.ReadInt64(wt, field); break;
                case 4: a.S = r.ReadBytes(wt, field).ToArray(); break;
                case 5: a.T = ReadTensor(new ProtoReader(r.ReadBytes(wt, field), file, $"{r.Where}.t")); break;
                case 6: a.Graph = r.ReadBytes(wt, field).ToArray(); break;
                case 7: r.ReadRepeatedFloat(wt, field, floats ??= []); break;
                case 8: r.ReadRepeatedInt64(wt, field, ints ??= []); break;
                case 9: a.Strings.Add(r.ReadBytes(wt, field).ToArray()); break;
                case 10: a.Tensors.Add(ReadTensor(new ProtoReader(r.ReadBytes(wt, field), file, $"{r.Where}.tensors[{a.Tensors.Count}]"))); break;
                case 11: a.Graphs.Add(r.ReadBytes(wt, field).ToArray()); break;
                case 14 or 15 or 22 or 23: a.OpaqueFields.Add((field, r.ReadBytes(wt, field).ToArray())); break;
                case 20:
                    var type = r.ReadInt32(wt, field);
                    if (type is < 0 or > 14)
                    {
                        throw r.Fail($"unknown attribute type {type}");
                    }

                    a.Type = (OnnxAttributeType)type;
                    break;
                default: r.Skip(wt, field); break;
            }
        }

        a.Floats = floats?.ToArray() ?? [];
        a.Ints = ints?.ToArray() ?? [];
        if (a.Name.Length == 0)
        {
            throw r.Fail("attribute has no name");
        }

        return a;
    }

    private static string? PeekAttributeName(ReadOnlySpan<byte> bytes, string file, string where)
    {
        var r = new ProtoReader(bytes, file, where);
        string? name = null;
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 1 && wt == WireType.Len)
            {
                name = r.ReadString(wt, field);
            }
            else
            {
                r.Skip(wt, field);
            }
        }

        return name;
    }

    private static OnnxValueInfo ReadValueInfo(ProtoReader r)
    {
        var v = new OnnxValueInfo();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: v.Name = r.ReadString(wt, field); break;
                case 2: ReadType(r.ReadBytes(wt, field), v, r.File, r.Where); break;
                default: r.Skip(wt, field); break;
            }
        }

        return v;
    }

    private static void ReadType(ReadOnlySpan<byte> bytes, OnnxValueInfo v, string file, string where)
    {
        var r = new ProtoReader(bytes, file, $"{where}.type");
        var sawTensor = false;
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 1)
            {
                ReadTensorType(new ProtoReader(r.ReadBytes(wt, field), file, $"{where}.type.tensor_type"), v);
                sawTensor = true;
            }
            else
            {
                r.Skip(wt, field);
            }
        }

        if (!sawTensor)
        {
            v.OpaqueType = bytes.ToArray();
        }
    }

    private static void ReadTensorType(ProtoReader r, OnnxValueInfo v)
    {
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: v.ElemType = (OnnxDataType)r.ReadInt32(wt, field); break;
                case 2: v.Dims = ReadShape(new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.shape")); break;
                default: r.Skip(wt, field); break;
            }
        }
    }

    private static OnnxDim[] ReadShape(ProtoReader r)
    {
        var dims = new List<OnnxDim>();
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 1)
            {
                r.Skip(wt, field);
                continue;
            }

            var d = new ProtoReader(r.ReadBytes(wt, field), r.File, $"{r.Where}.dim[{dims.Count}]");
            long? value = null;
            string? param = null;
            while (d.TryReadTag(out var f2, out var w2))
            {
                switch (f2)
                {
                    case 1:
                        var x = d.ReadInt64(w2, f2);
                        // Some exporters write -1 for "unknown"; treat any negative size as unknown rather than fail.
                        value = x >= 0 ? x : null;
                        break;
                    case 2: param = d.ReadString(w2, f2); break;
                    default: d.Skip(w2, f2); break;
                }
            }

            dims.Add(new OnnxDim(value, param));
        }

        return [.. dims];
    }

    private static OnnxTensor ReadTensor(ProtoReader r)
    {
        var t = new OnnxTensor();
        var dims = new List<long>();
        List<float>? floats = null;
        List<int>? int32s = null;
        List<long>? int64s = null;
        List<double>? doubles = null;
        List<ulong>? uint64s = null;
        var external = false;
        var dataType = 0;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.ReadRepeatedInt64(wt, field, dims); break;
                case 2: dataType = r.ReadInt32(wt, field); break;
                case 4: r.ReadRepeatedFloat(wt, field, floats ??= []); break;
                case 5: r.ReadRepeatedInt32(wt, field, int32s ??= []); break;
                case 6: (t.StringData ??= []).Add(r.ReadBytes(wt, field).ToArray()); break;
                case 7: r.ReadRepeatedInt64(wt, field, int64s ??= []); break;
                case 8: t.Name = r.ReadString(wt, field); break;
                case 9: t.RawData = r.ReadBytes(wt, field).ToArray(); break;
                case 10: r.ReadRepeatedDouble(wt, field, doubles ??= []); break;
                case 11: r.ReadRepeatedUInt64(wt, field, uint64s ??= []); break;
                case 13: r.ReadBytes(wt, field); external = true; break;
                case 14: external |= r.ReadInt32(wt, field) == 1; break;
                default: r.Skip(wt, field); break;
            }
        }

        var what = t.Name.Length > 0 ? $"tensor '{OnnxText.Safe(t.Name)}'" : "tensor";
        if (external)
        {
            throw r.Fail($"{what} keeps its data in an external file, which is not supported (save the model with its weights inside)");
        }

        if (dataType is <= 0 or > (int)OnnxDataType.Float4E2M1)
        {
            throw r.Fail($"{what} has unsupported data type {dataType}");
        }

        t.DataType = (OnnxDataType)dataType;
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0)
            {
                throw r.Fail($"{what} has negative dimension {d}");
            }

            // Arrays are int-indexed; anything larger cannot be real data in a model file of this size anyway.
            if (d > int.MaxValue || (count = count * d) > int.MaxValue)
            {
                throw r.Fail($"{what} has an oversized shape [{string.Join(",", dims)}]");
            }
        }

        t.Dims = [.. dims];
        t.FloatData = floats?.ToArray();
        t.Int32Data = int32s?.ToArray();
        t.Int64Data = int64s?.ToArray();
        t.DoubleData = doubles?.ToArray();
        t.UInt64Data = uint64s?.ToArray();
        CheckDataSize(r, t, what, count);
        return t;
    }

    private static void CheckDataSize(ProtoReader r, OnnxTensor t, string what, long count)
    {
        var shape = $"[{string.Join(",", t.Dims)}]";
        if (t.RawData is not null)
        {
            var expected = t.DataType.RawByteCount(count);
            if (expected is null)
            {
                throw r.Fail($"{what}: raw_data is not allowed for {t.DataType}");
            }

            if (expected != t.RawData.Length)
            {
                throw r.Fail($"{what}: raw_data has {t.RawData.Length} bytes, shape {shape} of {t.DataType} needs {expected}");
            }

            return;
        }

        var complex = t.DataType is OnnxDataType.Complex64 or OnnxDataType.Complex128 ? 2 : 1;
        var (field, actual) = t.DataType switch
        {
            OnnxDataType.Float or OnnxDataType.Complex64 => ("float_data", t.FloatData?.Length ?? 0),
            OnnxDataType.Int64 => ("int64_data", t.Int64Data?.Length ?? 0),
            OnnxDataType.Double or OnnxDataType.Complex128 => ("double_data", t.DoubleData?.Length ?? 0),
            OnnxDataType.UInt32 or OnnxDataType.UInt64 => ("uint64_data", t.UInt64Data?.Length ?? 0),
            OnnxDataType.String => ("string_data", t.StringData?.Count ?? 0),
            OnnxDataType.UInt4 or OnnxDataType.Int4 or OnnxDataType.Float4E2M1 => ("int32_data", -1),
            _ => ("int32_data", t.Int32Data?.Length ?? 0),
        };

        if (actual >= 0 && actual != count * complex)
        {
            throw r.Fail($"{what}: {field} has {actual} values, shape {shape} needs {count * complex}");
        }
    }
}
