using System.Text;

namespace EdgeMobileNet.Onnx;

/// <summary>
/// Minimal protobuf wire-format writer into a growable buffer. Sub-messages are written to a child writer and then
/// copied behind their length, which is simple and fast enough for model-sized files.
/// </summary>
internal sealed class ProtoWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Tag(int field, WireType wt) => Varint((ulong)field << 3 | (ulong)wt);

    public void Varint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    public void Int64(int field, long value)
    {
        Tag(field, WireType.Varint);
        Varint(unchecked((ulong)value));
    }

    /// <summary>int32 fields sign-extend to 64 bits on the wire, as protobuf specifies.</summary>
    public void Int32(int field, int value) => Int64(field, value);

    public void Float(int field, float value)
    {
        Tag(field, WireType.Fixed32);
        Fixed32((uint)BitConverter.SingleToInt32Bits(value));
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.Len);
        Varint((ulong)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    public void Message(int field, Action<ProtoWriter> write)
    {
        var child = new ProtoWriter();
        write(child);
        Bytes(field, child.Written);
    }

    public void PackedFloats(int field, ReadOnlySpan<float> values)
    {
        var child = new ProtoWriter();
        foreach (var v in values)
        {
            child.Fixed32((uint)BitConverter.SingleToInt32Bits(v));
        }

        Bytes(field, child.Written);
    }

    public void PackedDoubles(int field, ReadOnlySpan<double> values)
    {
        var child = new ProtoWriter();
        foreach (var v in values)
        {
            var bits = (ulong)BitConverter.DoubleToInt64Bits(v);
            child.Fixed32((uint)bits);
            child.Fixed32((uint)(bits >> 32));
        }

        Bytes(field, child.Written);
    }

    public void PackedVarints(int field, IEnumerable<ulong> values)
    {
        var child = new ProtoWriter();
        foreach (var v in values)
        {
            child.Varint(v);
        }

        Bytes(field, child.Written);
    }

    private void Fixed32(uint value)
    {
        Ensure(4);
        _buffer[_length++] = (byte)value;
        _buffer[_length++] = (byte)(value >> 8);
        _buffer[_length++] = (byte)(value >> 16);
        _buffer[_length++] = (byte)(value >> 24);
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}
