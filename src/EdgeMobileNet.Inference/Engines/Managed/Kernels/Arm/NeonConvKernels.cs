using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// ARM64 NEON without the dot product (Raspberry Pi 3/Zero 2: Cortex-A53, Pi 4: Cortex-A72): integer GEMM (1x1, stem,
/// classifier) and depthwise kernels, the float kernels on 128-bit vectors; shapes without a specialised kernel run the scalar
/// reference, which is also the definition every result here must reproduce.
/// </summary>
internal sealed class NeonConvKernels : IConvKernels
{
    public static readonly NeonConvKernels Instance = new();

    public static bool IsSupported => AdvSimd.Arm64.IsSupported;

    public string Name => "neon";

    public IQuantElementwiseKernels Elementwise => NeonQuantVector.Neon;

    public IQuantConvKernel? PrepareQuant(QuantConvParameters parameters) =>
        NeonQuantDepthwise.CanRun(parameters) ? new QuantDepthwise<NeonQuantDepthwise, NeonRequantization>(parameters)
        : NeonQuantGemm.CanRun(parameters) ? new QuantGemm<NeonQuantGemm, short>(parameters)
        : null;

    public void ConvFloat(in ConvShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output) =>
        FloatKernels<NeonFloat, Vector128<float>>.Conv(shape, input, weights, bias, lo, hi, residual, output);

    public void PointwiseFloatMlasOrder(in ConvShape shape, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, Span<float> block, Span<float> output) =>
        FloatKernels<NeonFloat, Vector128<float>>.Pointwise(shape, strideK, biasFirst, input, weights, bias, lo, hi, output);

    public void ConvQuant(in ConvShape shape, ReadOnlySpan<byte> input, int inputZeroPoint, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias, ReadOnlySpan<float> scales, int outputZeroPoint, int outputMin, int outputMax, Span<int> accumulator, Span<byte> output) =>
        ScalarConvKernels.Instance.ConvQuant(shape, input, inputZeroPoint, weights, bias, scales, outputZeroPoint, outputMin, outputMax, accumulator, output);
}
