using System.Text;

namespace EdgeMobileNet.Onnx;

internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A bounds-checked protobuf wire-format cursor over one message's bytes. Every length is checked against the bytes
/// that remain before anything is sliced or allocated, so a hostile length cannot cause a large allocation, and
/// nested messages are read through a fresh cursor over their own slice (no recursion on unknown data: unknown
/// fields are skipped in O(1)). Errors name the file and <see cref="Where"/>.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly string _file;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> buffer, string file, string where)
    {
        _buffer = buffer;
        _file = file;
        Where = where;
        _position = 0;
    }

    /// <summary>What is being read, for error messages (e.g. "graph.node[3]").</summary>
    public string Where { get; }

    public readonly string File => _file;

    public readonly int Remaining => _buffer.Length - _position;

    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (_position >= _buffer.Length)
        {
            field = 0;
            wireType = default;
            return false;
        }

        var tag = ReadVarint("tag");
        var number = tag >> 3;
        wireType = (WireType)(tag & 7);
        if (number == 0 || number > 536_870_911)
        {
            throw Fail($"invalid field number {number}");
        }

        field = (int)number;
        if (wireType is WireType.StartGroup or WireType.EndGroup || (int)wireType > 5)
        {
            throw Fail($"field {field} uses unsupported wire type {(int)wireType}");
        }

        return true;
    }

    public ulong ReadVarint(string what = "varint")
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                throw Fail($"truncated {what}");
            }

            var b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Fail($"malformed {what} (more than 10 bytes)");
    }

    public long ReadInt64(WireType wt, int field)
    {
        Expect(wt, WireType.Varint, field);
        return unchecked((long)ReadVarint());
    }

    public int ReadInt32(WireType wt, int field)
    {
        Expect(wt, WireType.Varint, field);
        return unchecked((int)ReadVarint());
    }

    public float ReadFloat(WireType wt, int field)
    {
        Expect(wt, WireType.Fixed32, field);
        return BitConverter.Int32BitsToSingle(unchecked((int)ReadFixed32()));
    }

    public uint ReadFixed32()
    {
        var s = Take(4, "fixed32");
        return (uint)(s[0] | s[1] << 8 | s[2] << 16 | s[3] << 24);
    }

    public ulong ReadFixed64()
    {
        var s = Take(8, "fixed64");
        return (ulong)ReadFixed32Of(s) | (ulong)ReadFixed32Of(s[4..]) << 32;
    }

    /// <summary>A length-delimited payload (string, bytes, sub-message, packed array).</summary>
    public ReadOnlySpan<byte> ReadBytes(WireType wt, int field)
    {
        Expect(wt, WireType.Len, field);
        var length = ReadVarint("length");
        if (length > (ulong)Remaining)
        {
            throw Fail($"field {field} claims {length} bytes but only {Remaining} remain (truncated or corrupt)");
        }

        return Take((int)length, "bytes");
    }

    public string ReadString(WireType wt, int field) => Encoding.UTF8.GetString(ReadBytes(wt, field));

    public void Skip(WireType wt, int field)
    {
        switch (wt)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Take(8, "fixed64"); break;
            case WireType.Fixed32: Take(4, "fixed32"); break;
            case WireType.Len: ReadBytes(wt, field); break;
            default: throw Fail($"field {field} uses unsupported wire type {(int)wt}");
        }
    }

    /// <summary>A repeated int64 field element(s): packed (LEN) or one unpacked varint.</summary>
    public void ReadRepeatedInt64(WireType wt, int field, List<long> into)
    {
        if (wt == WireType.Len)
        {
            var inner = new ProtoReader(ReadBytes(wt, field), _file, Where);
            while (inner.Remaining > 0)
            {
                into.Add(unchecked((long)inner.ReadVarint()));
            }
        }
        else
        {
            into.Add(ReadInt64(wt, field));
        }
    }

    public void ReadRepeatedInt32(WireType wt, int field, List<int> into)
    {
        if (wt == WireType.Len)
        {
            var inner = new ProtoReader(ReadBytes(wt, field), _file, Where);
            while (inner.Remaining > 0)
            {
                into.Add(unchecked((int)inner.ReadVarint()));
            }
        }
        else
        {
            into.Add(ReadInt32(wt, field));
        }
    }

    public void ReadRepeatedUInt64(WireType wt, int field, List<ulong> into)
    {
        if (wt == WireType.Len)
        {
            var inner = new ProtoReader(ReadBytes(wt, field), _file, Where);
            while (inner.Remaining > 0)
            {
                into.Add(inner.ReadVarint());
            }
        }
        else
        {
            Expect(wt, WireType.Varint, field);
            into.Add(ReadVarint());
        }
    }

    public void ReadRepeatedFloat(WireType wt, int field, List<float> into)
    {
        if (wt == WireType.Len)
        {
            var bytes = ReadBytes(wt, field);
            if (bytes.Length % 4 != 0)
            {
                throw Fail($"packed float field {field} has {bytes.Length} bytes, not a multiple of 4");
            }

            for (var i = 0; i < bytes.Length; i += 4)
            {
                into.Add(BitConverter.Int32BitsToSingle((int)ReadFixed32Of(bytes[i..])));
            }
        }
        else
        {
            into.Add(ReadFloat(wt, field));
        }
    }

    public void ReadRepeatedDouble(WireType wt, int field, List<double> into)
    {
        if (wt == WireType.Len)
        {
            var bytes = ReadBytes(wt, field);
            if (bytes.Length % 8 != 0)
            {
                throw Fail($"packed double field {field} has {bytes.Length} bytes, not a multiple of 8");
            }

            for (var i = 0; i < bytes.Length; i += 8)
            {
                var s = bytes[i..];
                into.Add(BitConverter.Int64BitsToDouble((long)((ulong)ReadFixed32Of(s) | (ulong)ReadFixed32Of(s[4..]) << 32)));
            }
        }
        else
        {
            Expect(wt, WireType.Fixed64, field);
            into.Add(BitConverter.Int64BitsToDouble(unchecked((long)ReadFixed64())));
        }
    }

    public readonly OnnxFormatException Fail(string reason) => new($"{_file}: {Where}: {reason}");

    private readonly void Expect(WireType actual, WireType expected, int field)
    {
        if (actual != expected)
        {
            throw Fail($"field {field} has wire type {(int)actual}, expected {(int)expected}");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining)
        {
            throw Fail($"truncated {what}: need {count} bytes, {Remaining} remain");
        }

        var s = _buffer.Slice(_position, count);
        _position += count;
        return s;
    }

    private static uint ReadFixed32Of(ReadOnlySpan<byte> s) => (uint)(s[0] | s[1] << 8 | s[2] << 16 | s[3] << 24);
}
