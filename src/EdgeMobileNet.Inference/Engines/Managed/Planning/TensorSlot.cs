using EdgeMobileNet.Inference.Engines.Managed.Graph;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>
/// A runtime tensor living in the activation arena. Rank-4 activations are stored channels-last (NHWC) whatever the
/// model's logical layout is; every other rank is stored row-major. Quantised tensors are always uint8 here: int8 ones
/// are shifted by +128 (value and zero point alike), which leaves every (q - zp) and every saturation bound unchanged.
/// </summary>
internal sealed class TensorSlot
{
    public TensorSlot(string name, ElementType type, int[] shape, bool channelsLast)
    {
        Name = name;
        Type = type;
        Shape = shape;
        ChannelsLast = channelsLast && shape.Length == 4;
        long n = 1;
        foreach (var d in shape)
        {
            n *= d;
        }

        Length = checked((int)n);
    }

    public string Name { get; }

    /// <summary>Float32 or UInt8 (quantised).</summary>
    public ElementType Type { get; }

    /// <summary>Logical shape (the model's view).</summary>
    public int[] Shape { get; }

    public bool ChannelsLast { get; }

    public int Length { get; }

    public long ByteLength => (long)Length * (Type == ElementType.Float32 ? 4 : 1);

    public long Offset { get; set; } = -1;

    /// <summary>Index of the first and last operator touching the slot (set by the arena planner).</summary>
    public int FirstUse { get; set; } = int.MaxValue;

    public int LastUse { get; set; } = -1;

    /// <summary>Element stride of each logical dimension in storage.</summary>
    public int[] Strides => ChannelsLast ? ChannelsLastStrides(Shape) : RowMajorStrides(Shape);

    /// <summary>Logical dims in storage order (outermost first).</summary>
    public int[] StorageOrder => ChannelsLast ? [0, 2, 3, 1] : Enumerable.Range(0, Shape.Length).ToArray();

    public static int[] RowMajorStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        var s = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }

        return strides;
    }

    public static int[] ChannelsLastStrides(int[] shape)
    {
        var (c, h, w) = (shape[1], shape[2], shape[3]);
        return [h * w * c, 1, w * c, c];
    }

    public override string ToString() => $"{Name}: {Type}[{string.Join(",", Shape)}]{(ChannelsLast ? " NHWC" : "")} @{Offset}";
}
