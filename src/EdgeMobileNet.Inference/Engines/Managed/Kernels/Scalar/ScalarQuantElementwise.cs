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
