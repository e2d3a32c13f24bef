namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The instructions <see cref="QuantElementwise{V, TInt, TFloat}"/> is written in, for one vector ISA: int32 lanes
/// (<typeparamref name="TInt"/>) and float lanes (<typeparamref name="TFloat"/>) of the same count. Every arithmetic
/// member is one instruction lane for lane the IEEE or two's-complement operation the scalar reference does; the two
/// block members hold the only shape the ISAs differ in: how 16 elements are widened into int32 vectors, handed to
/// the operator, and narrowed back to 16 bytes.
/// </summary>
internal interface IQuantVector<TInt, TFloat>
    where TInt : struct
    where TFloat : struct
{
    /// <summary>Whether this CPU runs the vector code at all (otherwise everything takes the scalar reference).</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Whether <see cref="Fma"/> is one fused instruction here (AVX2 CPUs without FMA3 exist in theory).</summary>
    static abstract bool HasFma { get; }

    static abstract TInt CreateInt(int value);

    static abstract TFloat Create(float value);

    static abstract TInt AddInt(TInt left, TInt right);

    static abstract TInt SubtractInt(TInt left, TInt right);

    /// <summary>The low 32 bits of the product (exact for centred 8-bit operands).</summary>
    static abstract TInt MultiplyLow(TInt left, TInt right);

    /// <summary>int32 to float, exact for every value the kernels convert (|x| &lt; 2^24).</summary>
    static abstract TFloat ToFloat(TInt value);

    /// <summary>Float to int32 rounding half to even (the caller keeps values far inside int32 range).</summary>
    static abstract TInt RoundToInt(TFloat value);

    static abstract TFloat Add(TFloat left, TFloat right);

    static abstract TFloat Multiply(TFloat left, TFloat right);

    /// <summary>left * right + addend, rounded once.</summary>
    static abstract TFloat Fma(TFloat left, TFloat right, TFloat addend);

    static abstract TFloat Divide(TFloat left, TFloat right);

    static abstract TFloat Max(TFloat value, TFloat bound);

    static abstract TFloat Min(TFloat value, TFloat bound);

    /// <summary>NaN lanes to +0, the others unchanged.</summary>
    static abstract TFloat ZeroNaN(TFloat value);

    /// <summary>
    /// 16 elements of two byte operands: each widened to int32, <paramref name="op"/> applied to every int32 vector
    /// pair, the results narrowed to bytes saturating to [0, 255] and stored at <paramref name="y"/>.
    /// </summary>
    static abstract void Binary16<TOp>(in TOp op, ref byte a, ref byte b, ref byte y)
        where TOp : struct, IQuantBinaryOp<TInt>;

    /// <summary>
    /// 16 floats through <paramref name="op"/>, whose results are already within [0, 255] (an unsigned narrowing
    /// needs no clamp first), narrowed to bytes and stored at <paramref name="y"/>.
    /// </summary>
    static abstract void Unary16<TOp>(in TOp op, ref float x, ref byte y)
        where TOp : struct, IQuantUnaryOp<TFloat, TInt>;

    /// <summary>
    /// The vector part of <see cref="IQuantElementwiseKernels.Lookup"/> (a byte shuffle over the 256-entry table, where
    /// the ISA has one); returns how many leading elements it wrote, the rest runs the scalar reference.
    /// </summary>
    static abstract int Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y);
}

/// <summary>The per-element math of a two-operand int8 kernel on one int32 vector of each operand (stored values).</summary>
internal interface IQuantBinaryOp<TInt>
    where TInt : struct
{
    TInt Apply(TInt a, TInt b);
}

/// <summary>The per-element math of a float-to-int8 kernel on one float vector.</summary>
internal interface IQuantUnaryOp<TFloat, TInt>
    where TFloat : struct
    where TInt : struct
{
    TInt Apply(TFloat x);
}
