using System.Runtime.CompilerServices;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Quantisation arithmetic in ONNX Runtime's CPU order of float operations, so integer results match it bit for bit.
/// Every function here is the single definition the kernels use; see docs/managed-engine.md for the sources of each
/// choice.
/// </summary>
internal static class Requantization
{
    /// <summary>
    /// int32 accumulator (bias already added, in integers) to an 8-bit value: float(acc) * scale, clamp to
    /// [min - zp, max - zp] in float, round half to even, + zp. Clamping before rounding equals saturating after it
    /// because the bounds are integers. <paramref name="scale"/> must be x_scale * w_scale / y_scale in fp32, in that order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Requantize(int accumulator, float scale, int zeroPoint, int min, int max)
    {
        var v = accumulator * scale;
        v = Math.Clamp(v, min - zeroPoint, max - zeroPoint);
        return (byte)((int)MathF.Round(v, MidpointRounding.ToEven) + zeroPoint);
    }

    /// <summary>The combined requantisation scale exactly as ONNX Runtime forms it: (x_scale * w_scale) / y_scale.</summary>
    public static float CombinedScale(float inputScale, float weightScale, float outputScale) =>
        inputScale * weightScale / outputScale;

    /// <summary>QuantizeLinear: x / scale (a division, not a reciprocal multiply), clamp, round half to even, + zp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Quantize(float x, float scale, int zeroPoint, int min, int max)
    {
        var v = x / scale;
        // NaN compares false both ways; map it to the zero point rather than to an undefined conversion.
        if (float.IsNaN(v))
        {
            v = 0;
        }

        v = Math.Clamp(v, min - zeroPoint, max - zeroPoint);
        return (byte)((int)MathF.Round(v, MidpointRounding.ToEven) + zeroPoint);
    }

    /// <summary>DequantizeLinear: float(q - zp) * scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dequantize(int q, float scale, int zeroPoint) => (q - zeroPoint) * scale;

    /// <summary>
    /// QLinearAdd as MLAS's AVX2 kernel computes it: with rA = sa / sc, rB = sb / sc and
    /// fixed = zc - (rA * za + rB * zb), the result is round(fma(a, rA, fma(b, rB, fixed))) saturated, on the
    /// operands' own (signed or unsigned) values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AddQuantized(int a, float ratioA, int b, float ratioB, float fixedPart)
    {
        var v = MathF.FusedMultiplyAdd(a, ratioA, MathF.FusedMultiplyAdd(b, ratioB, fixedPart));
        return float.IsNaN(v) ? 0 : (int)MathF.Round(v, MidpointRounding.ToEven);
    }

    /// <summary>The constant term of <see cref="AddQuantized"/>.</summary>
    public static float AddFixedPart(float ratioA, int zeroA, float ratioB, int zeroB, int zeroC) =>
        zeroC - ((ratioA * zeroA) + (ratioB * zeroB));

    /// <summary>
    /// QLinearMul as MLAS computes it (SSE2 and NEON alike): the integer product of the centred operands, as float,
    /// times (scaleA * scaleB) / scaleC computed once, then the output zero point added in float (a separate rounding,
    /// not fused), rounded half to even and saturated to the stored type. Operands and zero points are the stored
    /// (uint8-domain) values; <paramref name="offset"/> is 128 for int8 tensors, whose zero point ORT adds unshifted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte MulQuantized(int a, int zeroA, int b, int zeroB, float ratio, int zeroC, int offset)
    {
        var v = ((float)((a - zeroA) * (b - zeroB)) * ratio) + (float)(zeroC - offset);
        if (float.IsNaN(v))
        {
            v = 0;
        }

        // Saturating float->int conversion (.NET), then saturation to the stored type's range.
        var r = (int)MathF.Round(v, MidpointRounding.ToEven);
        return (byte)(Math.Clamp(r, -offset, 255 - offset) + offset);
    }
}
