namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The hot kernels behind one seam, chosen once at load (<see cref="KernelSelector"/>). Every implementation must give
/// the scalar reference's integer results exactly (float results may differ by summation order only), so per-ISA
/// versions can be tested against <see cref="Scalar.ScalarConvKernels"/>.
/// </summary>
internal interface IConvKernels
{
    string Name { get; }

    /// <summary>The int8 elementwise kernels of the same ISA (QLinearAdd/Mul, QuantizeLinear, table lookups).</summary>
    IQuantElementwiseKernels Elementwise { get; }

    /// <summary>
    /// Float convolution, NHWC. <paramref name="bias"/> has OutC values. The epilogue clamps to [lo, hi] (folded
    /// ReLU/ReLU6/Clip) and then adds <paramref name="residual"/> when it is not empty (fused residual Add).
    /// </summary>
    void ConvFloat(
        in ConvShape shape,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        float lo,
        float hi,
        ReadOnlySpan<float> residual,
        Span<float> output);

    /// <summary>
    /// Pointwise (1x1, stride 1, no padding, one group) float convolution computed in MLAS's SGEMM order so a
    /// DequantizeLinear -> Conv -> QuantizeLinear group that ONNX Runtime leaves in float rounds identically: the
    /// reduction is split into blocks of <paramref name="strideK"/> input channels, each block a fused multiply-add
    /// chain from zero in channel order, blocks summed in order, then the bias added, then the clamp. With
    /// <paramref name="biasFirst"/> the bias is the starting value the blocks are added to (ORT's Gemm, which
    /// broadcasts C into the output before a beta = 1 GEMM). Every implementation must give exactly these bits.
    /// </summary>
    void PointwiseFloatMlasOrder(
        in ConvShape shape,
        int strideK,
        bool biasFirst,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        float lo,
        float hi,
        Span<float> block,
        Span<float> output);

    /// <summary>
    /// Quantised convolution, NHWC, uint8 activations (int8 ones arrive shifted by +128, see docs), weights already
    /// minus their zero point. Accumulates in int32 from <paramref name="bias"/> and requantises each output channel
    /// with <see cref="Requantization.Requantize"/>. <paramref name="accumulator"/> holds at least OutC ints.
    /// </summary>
    void ConvQuant(
        in ConvShape shape,
        ReadOnlySpan<byte> input,
        int inputZeroPoint,
        ReadOnlySpan<int> weights,
        ReadOnlySpan<int> bias,
        ReadOnlySpan<float> scales,
        int outputZeroPoint,
        int outputMin,
        int outputMax,
        Span<int> accumulator,
        Span<byte> output);

    /// <summary>
    /// Prepares one quantised convolution at load (per-ISA weight packing, scratch), or returns null when this
    /// implementation has no specialised kernel for the shape; the operator then calls <see cref="ConvQuant"/>.
    /// </summary>
    IQuantConvKernel? PrepareQuant(QuantConvParameters parameters);
}
