using EdgeMobileNet.Inference.Engines.Managed.Graph;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>
/// Which DequantizeLinear -> op -> QuantizeLinear groups run as integer kernels, mirroring ONNX Runtime's CPU graph
/// optimiser (ORT_ENABLE_ALL) on x86-64, so that our integer results can equal its results bit for bit.
/// <para>
/// Measured on the torchvision s8s8 QDQ MobileNetV2 (optimised graph saved with SessionOptions.OptimizedModelFilePath):
/// ORT first rewrites int8 activation Q/DQ pairs to uint8 (zero point + 128), but only where a QuantizeLinear feeds
/// exactly one DequantizeLinear that itself has exactly one consumer (a graph output counts as one). A quantised tensor read twice (the input of a
/// residual block: the next conv and the Add) stays int8, and int8-activation convolutions are not fused on x86, so
/// every conv that reads or writes such a tensor stays DQ -> float Conv -> Q (15 of 52 there), as do the Adds whose
/// operands differ in type after the rewrite (all 10). Groups whose types all agree are fused: Conv (uint8 only),
/// Gemm/MatMul (uint8 only), Add/Mul and GlobalAveragePool/Sigmoid (equal types).
/// </para>
/// </summary>
internal static class QdqFusionRule
{
    /// <summary>Whether ORT fuses int8-activation convolutions on this target: not on x86-64 (the ones we match).</summary>
    public const bool Int8ActivationConvFused = false;

    /// <summary>The activation type ORT ends up with for a quantised tensor (after its int8-to-uint8 rewrite).</summary>
    public static ElementType EffectiveType(GraphValue quantized)
    {
        if (quantized.Type != ElementType.Int8)
        {
            return quantized.Type;
        }

        return quantized.Producer is { OpType: "QuantizeLinear" } && RewrittenToUInt8(quantized) ? ElementType.UInt8 : ElementType.Int8;
    }

    public static bool ConvFused(ElementType input, ElementType output) =>
        input == output && (input == ElementType.UInt8 || (Int8ActivationConvFused && input == ElementType.Int8));

    public static bool ElementwiseFused(ElementType a, ElementType b, ElementType output) => a == b && b == output;

    private static bool RewrittenToUInt8(GraphValue qOutput) =>
        !qOutput.IsGraphOutput
        && qOutput.Consumers.Count == 1
        && qOutput.Consumers[0] is { OpType: "DequantizeLinear" } dq
        && dq.Output.Consumers.Count + (dq.Output.IsGraphOutput ? 1 : 0) == 1;
}
