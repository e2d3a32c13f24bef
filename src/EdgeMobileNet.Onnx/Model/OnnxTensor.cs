using System.Runtime.InteropServices;

namespace EdgeMobileNet.Onnx;

/// <summary>
/// An ONNX TensorProto. Data is either <see cref="RawData"/> (little-endian bytes) or one of the typed fields, exactly as
/// the file had it; the accessors below read either form. The reader has already checked that the amount of data
/// matches <see cref="Dims"/>.
/// </summary>
public sealed class OnnxTensor
{
    public string Name { get; set; } = "";

    public OnnxDataType DataType { get; set; }

    public long[] Dims { get; set; } = [];

    public byte[]? RawData { get; set; }

    public float[]? FloatData { get; set; }

    /// <summary>int32_data: also holds int8/uint8/int16/uint16/bool/float16 values when raw_data is not used.</summary>
    public int[]? Int32Data { get; set; }

    public long[]? Int64Data { get; set; }

    public double[]? DoubleData { get; set; }

    public ulong[]? UInt64Data { get; set; }

    public List<byte[]>? StringData { get; set; }

    /// <summary>Product of <see cref="Dims"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims)
            {
                n = checked(n * d);
            }

            return n;
        }
    }

    public float[] ToFloatArray()
    {
        switch (DataType)
        {
            case OnnxDataType.Float:
                return RawData is not null ? Cast<float>(RawData) : Take(FloatData, "float_data");
            case OnnxDataType.Double:
                return Array.ConvertAll(ToDoubleArray(), d => (float)d);
            case OnnxDataType.Float16:
                if (RawData is not null)
                {
                    return Array.ConvertAll(Cast<Half>(RawData), h => (float)h);
                }

                return Array.ConvertAll(Take(Int32Data, "int32_data"), bits => (float)BitConverter.UInt16BitsToHalf((ushort)bits));
            default:
                throw WrongType("float");
        }
    }

    public double[] ToDoubleArray() => DataType switch
    {
        OnnxDataType.Double => RawData is not null ? Cast<double>(RawData) : Take(DoubleData, "double_data"),
        OnnxDataType.Float => Array.ConvertAll(ToFloatArray(), f => (double)f),
        _ => throw WrongType("double"),
    };

    public long[] ToInt64Array() => DataType switch
    {
        OnnxDataType.Int64 => RawData is not null ? Cast<long>(RawData) : Take(Int64Data, "int64_data"),
        OnnxDataType.Int32 or OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Int8 or OnnxDataType.UInt8
            or OnnxDataType.Bool => Array.ConvertAll(ToInt32Array(), v => (long)v),
        _ => throw WrongType("int64"),
    };

    /// <summary>Integer tensors of 32 bits or fewer, widened to int.</summary>
    public int[] ToInt32Array()
    {
        if (RawData is null)
        {
            return DataType switch
            {
                OnnxDataType.Int32 or OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Int8 or OnnxDataType.UInt8
                    or OnnxDataType.Bool => Take(Int32Data, "int32_data"),
                _ => throw WrongType("int32"),
            };
        }

        return DataType switch
        {
            OnnxDataType.Int32 => Cast<int>(RawData),
            OnnxDataType.Int16 => Array.ConvertAll(Cast<short>(RawData), v => (int)v),
            OnnxDataType.UInt16 => Array.ConvertAll(Cast<ushort>(RawData), v => (int)v),
            OnnxDataType.Int8 => Array.ConvertAll(Cast<sbyte>(RawData), v => (int)v),
            OnnxDataType.UInt8 or OnnxDataType.Bool => Array.ConvertAll(RawData, v => (int)v),
            _ => throw WrongType("int32"),
        };
    }

    /// <summary>The bytes of a uint8/int8 tensor (int8 values as their two's-complement bytes).</summary>
    public byte[] AsBytes()
    {
        if (DataType is not (OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool))
        {
            throw WrongType("uint8/int8");
        }

        return RawData ?? Array.ConvertAll(Take(Int32Data, "int32_data"), v => unchecked((byte)v));
    }

    public sbyte[] ToInt8Array() => DataType == OnnxDataType.Int8
        ? MemoryMarshal.Cast<byte, sbyte>(AsBytes()).ToArray()
        : throw WrongType("int8");

    public static OnnxTensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values) =>
        Raw(name, OnnxDataType.Float, dims, MemoryMarshal.AsBytes(values));

    public static OnnxTensor FromInt8(string name, long[] dims, ReadOnlySpan<sbyte> values) =>
        Raw(name, OnnxDataType.Int8, dims, MemoryMarshal.AsBytes(values));

    public static OnnxTensor FromUInt8(string name, long[] dims, ReadOnlySpan<byte> values) =>
        Raw(name, OnnxDataType.UInt8, dims, values);

    public static OnnxTensor FromInt32(string name, long[] dims, ReadOnlySpan<int> values) =>
        Raw(name, OnnxDataType.Int32, dims, MemoryMarshal.AsBytes(values));

    public static OnnxTensor FromInt64(string name, long[] dims, ReadOnlySpan<long> values) =>
        Raw(name, OnnxDataType.Int64, dims, MemoryMarshal.AsBytes(values));

    public static OnnxTensor ScalarFloat(string name, float value) => FromFloats(name, [], [value]);

    public static OnnxTensor ScalarInt8(string name, sbyte value) => FromInt8(name, [], [value]);

    public static OnnxTensor ScalarUInt8(string name, byte value) => FromUInt8(name, [], [value]);

    public override string ToString() => $"{Name}: {DataType}[{string.Join(",", Dims)}]";

    private static OnnxTensor Raw(string name, OnnxDataType type, long[] dims, ReadOnlySpan<byte> bytes)
    {
        var t = new OnnxTensor { Name = name, DataType = type, Dims = dims, RawData = bytes.ToArray() };
        if (!BitConverter.IsLittleEndian && type.ElementSize() > 1)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported");
        }

        if (type.RawByteCount(t.ElementCount) != bytes.Length)
        {
            throw new ArgumentException($"tensor '{name}': {bytes.Length} bytes of data for shape [{string.Join(",", dims)}]");
        }

        return t;
    }

    private static T[] Cast<T>(byte[] raw)
        where T : struct
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported");
        }

        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }

    private T[] Take<T>(T[]? data, string field) =>
        data ?? (ElementCount == 0 ? [] : throw new OnnxFormatException($"tensor '{OnnxText.Safe(Name)}' ({DataType}) has no {field} and no raw_data"));

    private OnnxFormatException WrongType(string wanted) =>
        new($"tensor '{OnnxText.Safe(Name)}' is {DataType}, cannot be read as {wanted}");
}
