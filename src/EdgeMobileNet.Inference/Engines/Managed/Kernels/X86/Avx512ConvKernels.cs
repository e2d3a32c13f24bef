using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// x86-64 with AVX-512F/BW: integer GEMM (1x1, stem, classifier) and depthwise kernels; shapes without a specialised
/// kernel run the scalar reference, which is also the definition every result here must reproduce.
/// </summary>
internal sealed class Avx512ConvKernels : IConvKernels
{
    public static readonly Avx512ConvKernels Instance = new();

    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported;

    public string Name => "avx512";

    public IQuantConvKernel? PrepareQuant(QuantConvParameters parameters)
    {
        if (parameters.Shape.IsDepthwise)
        {
            return new Avx512QuantDepthwise(parameters);
        }

        return QuantGemmPacking.IsGemm(parameters) ? new Avx512QuantGemm(parameters) : null;
    }

    public void ConvFloat(in ConvShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        if (QuantGemmPacking.IsPointwise(shape))
        {
            var m = shape.OutH * shape.OutW;
            Avx512FloatKernels.PointwiseMlasOrder(m, shape.InC, shape.OutC, QuantGemmPacking.MlasStrideK(m, shape.InC), false, input, weights, bias, lo, hi, residual, output);
        }
        else if (shape.IsDepthwise)
        {
            Avx512FloatKernels.Depthwise(shape, input, weights, bias, lo, hi, residual, output);
        }
        else
        {
            // Group-1 convolutions (the stem); narrower or grouped ones fall back to the reference inside.
            Avx512FloatKernels.Direct(shape, input, weights, bias, lo, hi, residual, output);
        }
    }

    public void PointwiseFloatMlasOrder(in ConvShape shape, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, Span<float> block, Span<float> output) =>
        Avx512FloatKernels.PointwiseMlasOrder(shape.OutH * shape.OutW, shape.InC, shape.OutC, strideK, biasFirst, input, weights, bias, lo, hi, ReadOnlySpan<float>.Empty, output);

    public void ConvQuant(in ConvShape shape, ReadOnlySpan<byte> input, int inputZeroPoint, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias, ReadOnlySpan<float> scales, int outputZeroPoint, int outputMin, int outputMax, Span<int> accumulator, Span<byte> output) =>
        ScalarConvKernels.Instance.ConvQuant(shape, input, inputZeroPoint, weights, bias, scales, outputZeroPoint, outputMin, outputMax, accumulator, output);
}
