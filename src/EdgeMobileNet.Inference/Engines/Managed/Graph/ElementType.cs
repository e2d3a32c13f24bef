namespace EdgeMobileNet.Inference.Engines.Managed.Graph;

/// <summary>Element types the managed engine understands. Anything else is rejected at load.</summary>
internal enum ElementType
{
    Float32,
    UInt8,
    Int8,
    Int32,
    Int64,
}

internal static class ElementTypeExtensions
{
    public static int Size(this ElementType type) => type switch
    {
        ElementType.Float32 or ElementType.Int32 => 4,
        ElementType.Int64 => 8,
        _ => 1,
    };

    public static bool IsQuantized(this ElementType type) => type is ElementType.UInt8 or ElementType.Int8;
}
