namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

/// <summary>The reference elementwise int8 kernels: one <see cref="Requantization"/> call per element.</summary>
internal sealed class ScalarQuantElementwise : IQuantElementwiseKernels
{
    public static readonly ScalarQuantElementwise Instance = new();

    public string Name => "scalar";

    public void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y) =>
        AddRange(a, b, p, y, 0);

    public void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y) =>
        QuantizeRange(x, scale, zeroPoint, min, max, y, 0);

    public void Mul(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantMulParameters p, Span<byte> y) => MulRange(a, b, p, y, 0);

    /// <summary>The bounds check every binary kernel makes once before running on references.</summary>
    internal static void RequireOperands(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> y)
    {
        if (a.Length < y.Length || b.Length < y.Length)
        {
            throw new ArgumentException("operands shorter than the output");
        }
    }

    internal static void MulRange(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantMulParameters p, Span<byte> y, int start)
    {
        for (var i = start; i < y.Length; i++)
        {
            y[i] = Requantization.MulQuantized(a[i], p.ZeroA, b[i], p.ZeroB, p.Ratio, p.ZeroC, p.Offset);
        }
    }

    public void Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y) => LookupRange(x, table, y, 0);

    internal static void LookupRange(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y, int start)
    {
        if (table.Length != 256)
        {
            throw new ArgumentException("a lookup table has 256 entries", nameof(table));
        }

        for (var i = start; i < y.Length; i++)
        {
            y[i] = table[x[i]];
        }
    }

    /// <summary>Elements [<paramref name="start"/>, end): the tail the SIMD versions leave.</summary>
    internal static void AddRange(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y, int start)
    {
        var offset = p.Offset;
        for (var i = start; i < y.Length; i++)
        {
            var r = Requantization.AddQuantized(a[i] - offset, p.RatioA, b[i] - offset, p.RatioB, p.Fixed);
            y[i] = (byte)Math.Clamp(r + offset, 0, 255);
        }
    }

    internal static void QuantizeRange(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y, int start)
    {
        for (var i = start; i < y.Length; i++)
        {
            y[i] = Requantization.Quantize(x[i], scale, zeroPoint, min, max);
        }
    }
}
