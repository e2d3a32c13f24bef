namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The int8 non-convolution kernels (QLinearAdd, QuantizeLinear) behind their own seam, picked to match the
/// convolution kernels' ISA (<see cref="IConvKernels.Elementwise"/>). Every implementation gives the scalar reference's bytes exactly.
/// </summary>
internal interface IQuantElementwiseKernels
{
    string Name { get; }

    /// <summary>
    /// QLinearAdd of two same-layout operands, element by element: <see cref="Requantization.AddQuantized"/> on the
    /// operands' own values (stored value minus <see cref="QuantAddParameters.Offset"/>), saturated to the stored range.
    /// </summary>
    void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y);

    /// <summary>QLinearMul element by element: <see cref="Requantization.MulQuantized"/>.</summary>
    void Mul(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantMulParameters p, Span<byte> y);

    /// <summary>y[i] = table[x[i]] with a 256-entry table (quantised activations).</summary>
    void Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y);

    /// <summary>Per-tensor QuantizeLinear: <see cref="Requantization.Quantize"/> of every element.</summary>
    void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y);
}

/// <summary>The constants of one QLinearAdd in ONNX Runtime's x86 form (see <see cref="Requantization.AddQuantized"/>).</summary>
internal readonly record struct QuantAddParameters(float RatioA, float RatioB, float Fixed, int Offset)
{
    /// <summary>
    /// True when |fma(a, rA, fma(b, rB, fixed))| stays far inside int32 for every 8-bit operand, so a SIMD
    /// float-to-int conversion can never overflow (where it would differ from .NET's saturating cast) and no NaN
    /// can arise. Other constants take the scalar path.
    /// </summary>
    public bool VectorSafe =>
        float.IsFinite(RatioA) && float.IsFinite(RatioB) && float.IsFinite(Fixed)
        && (MathF.Abs(RatioA) * 256f) + (MathF.Abs(RatioB) * 256f) + MathF.Abs(Fixed) < (1 << 30);

    public static QuantAddParameters Create(float scaleA, int zeroA, float scaleB, int zeroB, float scaleC, int zeroC, int offset)
    {
        var ra = scaleA / scaleC;
        var rb = scaleB / scaleC;
        return new QuantAddParameters(ra, rb, Requantization.AddFixedPart(ra, zeroA - offset, rb, zeroB - offset, zeroC - offset), offset);
    }
}

/// <summary>The constants of one QLinearMul (stored-domain zero points, ratio = sa * sb / sc).</summary>
internal readonly record struct QuantMulParameters(int ZeroA, int ZeroB, float Ratio, int ZeroC, int Offset = 0)
{
    /// <summary>The centred product is at most 255 * 255; the SIMD conversion must stay far from int32 overflow.</summary>
    public bool VectorSafe => float.IsFinite(Ratio) && MathF.Abs(Ratio) * 65536f < (1 << 30);
}
