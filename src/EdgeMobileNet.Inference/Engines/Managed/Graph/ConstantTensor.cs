namespace EdgeMobileNet.Inference.Engines.Managed.Graph;

/// <summary>
/// A constant known at load (initializer, Constant node or folded result). Floats live in <see cref="Floats"/>, every
/// integer type of 32 bits or fewer in <see cref="Ints"/> and int64 in <see cref="Longs"/>.
/// </summary>
internal sealed class ConstantTensor
{
    private ConstantTensor(ElementType type, int[] shape, float[]? floats, int[]? ints, long[]? longs)
    {
        Type = type;
        Shape = shape;
        Floats = floats;
        Ints = ints;
        Longs = longs;
    }

    public ElementType Type { get; }

    public int[] Shape { get; }

    public float[]? Floats { get; }

    public int[]? Ints { get; }

    public long[]? Longs { get; }

    public int Length => Floats?.Length ?? Ints?.Length ?? Longs!.Length;

    public static ConstantTensor FromFloats(int[] shape, float[] data) => new(ElementType.Float32, shape, data, null, null);

    public static ConstantTensor FromInts(ElementType type, int[] shape, int[] data) => new(type, shape, null, data, null);

    public static ConstantTensor FromLongs(int[] shape, long[] data) => new(ElementType.Int64, shape, null, null, data);

    /// <summary>Values as floats (dequantisation parameters, shape data used as floats).</summary>
    public float[] AsFloats() =>
        Floats ?? (Ints is not null ? Array.ConvertAll(Ints, v => (float)v) : Array.ConvertAll(Longs!, v => (float)v));

    /// <summary>Values as int64 (shapes, axes, indices).</summary>
    public long[] AsLongs() =>
        Longs ?? (Ints is not null ? Array.ConvertAll(Ints, v => (long)v) : Array.ConvertAll(Floats!, v => (long)v));

    /// <summary>Values as int (zero points, quantised weights, biases).</summary>
    public int[] AsInts() =>
        Ints ?? (Longs is not null ? Array.ConvertAll(Longs, v => (int)v) : Array.ConvertAll(Floats!, v => (int)v));

    public ConstantTensor WithShape(int[] shape) => new(Type, shape, Floats, Ints, Longs);
}
