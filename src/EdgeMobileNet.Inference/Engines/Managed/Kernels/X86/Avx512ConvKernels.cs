using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// x86-64 with AVX-512F/BW: integer GEMM (1x1, stem, classifier) and depthwise kernels, the float kernels on 512-bit vectors; shapes without a specialised
/// kernel run the scalar reference, which is also the definition every result here must reproduce.
/// </summary>
internal sealed class Avx512ConvKernels : IConvKernels
{
    public static readonly Avx512ConvKernels Instance = new();

    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported;

    public string Name => "avx512";

    public IQuantElementwiseKernels Elementwise => Avx512QuantVector.Kernels;

    public IQuantConvKernel? PrepareQuant(QuantConvParameters parameters)
    {
        if (parameters.Shape.IsDepthwise)
        {
            // 16 to 31 channels (V3's first blocks): the AVX2 kernel's 16-channel paired groups beat 16-lane vpmulld.
            return parameters.Shape.OutC is >= 16 and < 32 && QuantDepthwisePairs.Applies(parameters, 8)
                ? new QuantDepthwise<Avx2QuantDepthwise, RequantConstants<Vector256<float>, Vector256<int>>>(parameters)
                : new QuantDepthwise<Avx512QuantDepthwise, RequantConstants<Vector512<float>, Vector512<int>>>(parameters);
        }

        return QuantGemmPacking.IsGemm(parameters) ? new QuantGemm<Avx512QuantGemm, short>(parameters) : null;
    }

    public void ConvFloat(in ConvShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output) =>
        FloatKernels<Avx512Float, Vector512<float>>.Conv(shape, input, weights, bias, lo, hi, residual, output);

    public void PointwiseFloatMlasOrder(in ConvShape shape, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, Span<float> block, Span<float> output) =>
        FloatKernels<Avx512Float, Vector512<float>>.Pointwise(shape, strideK, biasFirst, input, weights, bias, lo, hi, output);

    public void ConvQuant(in ConvShape shape, ReadOnlySpan<byte> input, int inputZeroPoint, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias, ReadOnlySpan<float> scales, int outputZeroPoint, int outputMin, int outputMax, Span<int> accumulator, Span<byte> output) =>
        ScalarConvKernels.Instance.ConvQuant(shape, input, inputZeroPoint, weights, bias, scales, outputZeroPoint, outputMin, outputMax, accumulator, output);
}
