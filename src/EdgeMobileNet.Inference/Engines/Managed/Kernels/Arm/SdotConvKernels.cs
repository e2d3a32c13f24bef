using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// ARM64 with the ARMv8.2 dot product (Pi 5: Cortex-A76, Jetson Orin: A78AE): the integer GEMM on SDOT where every
/// centred weight fits int8, the NEON GEMM for layers whose (uint8, zero-pointed) weights do not, and the NEON
/// depthwise kernel (SDOT gains nothing with one input value per weight), the NEON float kernels. Unspecialised shapes
/// run the scalar reference.
/// </summary>
internal sealed class SdotConvKernels : IConvKernels
{
    public static readonly SdotConvKernels Instance = new();

    public static bool IsSupported => Dp.IsSupported && AdvSimd.Arm64.IsSupported;

    public string Name => "sdot";

    public IQuantElementwiseKernels Elementwise => NeonQuantVector.Sdot;

    public IQuantConvKernel? PrepareQuant(QuantConvParameters parameters) =>
        NeonQuantDepthwise.CanRun(parameters) ? new QuantDepthwise<NeonQuantDepthwise, NeonRequantization>(parameters)
        : SdotQuantGemm.CanRun(parameters) ? new QuantGemm<SdotQuantGemm, sbyte>(parameters)
        : NeonQuantGemm.CanRun(parameters) ? new QuantGemm<NeonQuantGemm, short>(parameters)
        : null;

    public void ConvFloat(in ConvShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output) =>
        FloatKernels<NeonFloat, Vector128<float>>.Conv(shape, input, weights, bias, lo, hi, residual, output);

    public void PointwiseFloatMlasOrder(in ConvShape shape, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, Span<float> block, Span<float> output) =>
        FloatKernels<NeonFloat, Vector128<float>>.Pointwise(shape, strideK, biasFirst, input, weights, bias, lo, hi, output);

    public void ConvQuant(in ConvShape shape, ReadOnlySpan<byte> input, int inputZeroPoint, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias, ReadOnlySpan<float> scales, int outputZeroPoint, int outputMin, int outputMax, Span<int> accumulator, Span<byte> output) =>
        ScalarConvKernels.Instance.ConvQuant(shape, input, inputZeroPoint, weights, bias, scales, outputZeroPoint, outputMin, outputMax, accumulator, output);
}
