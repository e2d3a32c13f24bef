using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// x86-64 with AVX2: integer GEMM (1x1, stem, classifier) and depthwise kernels, float pointwise (with FMA3),
/// depthwise and group-1 kernels; shapes without a specialised kernel run the scalar reference, which is also the
/// definition every result here must reproduce.
/// </summary>
internal sealed class Avx2ConvKernels : IConvKernels
{
    public static readonly Avx2ConvKernels Instance = new();

    public static bool IsSupported => Avx2.IsSupported;

    public string Name => "avx2";

    public IQuantElementwiseKernels Elementwise => Avx2QuantVector.Kernels;

    public IQuantConvKernel? PrepareQuant(QuantConvParameters parameters)
    {
        if (parameters.Shape.IsDepthwise)
        {
            return new QuantDepthwise<Avx2QuantDepthwise, RequantConstants<Vector256<float>, Vector256<int>>>(parameters);
        }

        return QuantGemmPacking.IsGemm(parameters) ? new QuantGemm<Avx2QuantGemm, short>(parameters) : null;
    }

    public void ConvFloat(in ConvShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        if (!Fma.IsSupported && QuantGemmPacking.IsPointwise(shape))
        {
            // The MLAS order is a chain of fused multiply-adds; without FMA3 only the reference computes it exactly.
            ScalarConvKernels.Instance.ConvFloat(shape, input, weights, bias, lo, hi, residual, output);
            return;
        }

        FloatKernels<Avx2Float, Vector256<float>>.Conv(shape, input, weights, bias, lo, hi, residual, output);
    }

    public void PointwiseFloatMlasOrder(in ConvShape shape, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, Span<float> block, Span<float> output)
    {
        if (!Fma.IsSupported)
        {
            ScalarConvKernels.Instance.PointwiseFloatMlasOrder(shape, strideK, biasFirst, input, weights, bias, lo, hi, block, output);
            return;
        }

        FloatKernels<Avx2Float, Vector256<float>>.Pointwise(shape, strideK, biasFirst, input, weights, bias, lo, hi, output);
    }

    public void ConvQuant(in ConvShape shape, ReadOnlySpan<byte> input, int inputZeroPoint, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias, ReadOnlySpan<float> scales, int outputZeroPoint, int outputMin, int outputMax, Span<int> accumulator, Span<byte> output) =>
        ScalarConvKernels.Instance.ConvQuant(shape, input, inputZeroPoint, weights, bias, scales, outputZeroPoint, outputMin, outputMax, accumulator, output);
}
