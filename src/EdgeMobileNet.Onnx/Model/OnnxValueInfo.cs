namespace EdgeMobileNet.Onnx;

/// <summary>One dimension of a value's shape: a fixed size, a symbolic name, or neither (unknown).</summary>
public readonly record struct OnnxDim(long? Value, string? Param)
{
    public static OnnxDim Fixed(long value) => new(value, null);

    public static OnnxDim Symbolic(string name) => new(null, name);

    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}

/// <summary>
/// A ValueInfoProto for a tensor-typed value. <see cref="Dims"/> is null when the shape is not given at all.
/// Non-tensor types (sequences, maps) keep their TypeProto bytes in <see cref="OpaqueType"/>.
/// </summary>
public sealed class OnnxValueInfo
{
    public string Name { get; set; } = "";

    public OnnxDataType ElemType { get; set; }

    public OnnxDim[]? Dims { get; set; }

    public byte[]? OpaqueType { get; set; }

    public static OnnxValueInfo Tensor(string name, OnnxDataType type, params long[] dims) =>
        new() { Name = name, ElemType = type, Dims = [.. dims.Select(OnnxDim.Fixed)] };

    public override string ToString() =>
        $"{Name}: {ElemType}[{(Dims is null ? "?" : string.Join(",", Dims.Select(d => d.ToString())))}]";
}
