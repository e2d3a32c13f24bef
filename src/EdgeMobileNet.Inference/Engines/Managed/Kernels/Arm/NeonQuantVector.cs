using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// The elementwise int8 instructions with AdvSimd (ARMv8 NEON): 4 lanes, so a 16-element step is four int32/fp32
/// quarters, bit for bit the scalar reference: fmla is one rounding per fused multiply-add like
/// MathF.FusedMultiplyAdd, fdiv is the IEEE division, fcvtns rounds half to even, and the saturating narrows (sqxtn,
/// sqxtun) are the final clamp to [0, 255]. The SDOT kernel set uses the same code (the dot product has no use here);
/// only the name differs.
/// </summary>
internal readonly struct NeonQuantVector : IQuantVector<Vector128<int>, Vector128<float>>
{
    public static readonly IQuantElementwiseKernels Neon = new QuantElementwise<NeonQuantVector, Vector128<int>, Vector128<float>>("neon");

    public static readonly IQuantElementwiseKernels Sdot = new QuantElementwise<NeonQuantVector, Vector128<int>, Vector128<float>>("sdot");

    public static bool IsSupported => AdvSimd.Arm64.IsSupported;

    public static bool HasFma => AdvSimd.Arm64.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> CreateInt(int value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AddInt(Vector128<int> left, Vector128<int> right) => AdvSimd.Add(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> SubtractInt(Vector128<int> left, Vector128<int> right) => AdvSimd.Subtract(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyLow(Vector128<int> left, Vector128<int> right) => AdvSimd.Multiply(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToFloat(Vector128<int> value) => AdvSimd.ConvertToSingle(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> RoundToInt(Vector128<float> value) => AdvSimd.ConvertToInt32RoundToEven(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => AdvSimd.Add(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => AdvSimd.Multiply(left, right);

    /// <summary>AdvSimd.FusedMultiplyAdd(addend, left, right) is addend + left * right, one rounding (fmla).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fma(Vector128<float> left, Vector128<float> right, Vector128<float> addend) => AdvSimd.FusedMultiplyAdd(addend, left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => AdvSimd.Arm64.Divide(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> value, Vector128<float> bound) => AdvSimd.Max(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> value, Vector128<float> bound) => AdvSimd.Min(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ZeroNaN(Vector128<float> value) => value & AdvSimd.CompareEqual(value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary16<TOp>(in TOp op, ref byte a, ref byte b, ref byte y)
        where TOp : struct, IQuantBinaryOp<Vector128<int>>
    {
        var (a0, a1, a2, a3) = Widen(Vector128.LoadUnsafe(ref a));
        var (b0, b1, b2, b3) = Widen(Vector128.LoadUnsafe(ref b));
        NarrowToBytes(op.Apply(a0, b0), op.Apply(a1, b1), op.Apply(a2, b2), op.Apply(a3, b3)).StoreUnsafe(ref y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary16<TOp>(in TOp op, ref float x, ref byte y)
        where TOp : struct, IQuantUnaryOp<Vector128<float>, Vector128<int>> =>
        NarrowToBytes(
            op.Apply(Vector128.LoadUnsafe(ref x)),
            op.Apply(Vector128.LoadUnsafe(ref x, 4)),
            op.Apply(Vector128.LoadUnsafe(ref x, 8)),
            op.Apply(Vector128.LoadUnsafe(ref x, 12))).StoreUnsafe(ref y);

    /// <summary>
    /// The 256-entry table as four 64-byte quarters: tbl on the first (indices past 63 give 0), then tbx on each
    /// further quarter with the index moved down by 64 (out-of-range indices, including those that wrapped below
    /// zero, keep the byte already found).
    /// </summary>
    public static int Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y)
    {
        ref var pt = ref MemoryMarshal.GetReference(table);
        var q0 = Quarter(ref pt, 0);
        var q1 = Quarter(ref pt, 64);
        var q2 = Quarter(ref pt, 128);
        var q3 = Quarter(ref pt, 192);
        var sixtyFour = Vector128.Create((byte)64);
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        var i = 0;
        for (; i + 16 <= y.Length; i += 16)
        {
            var index = Vector128.LoadUnsafe(ref px, (nuint)i);
            var r = AdvSimd.Arm64.VectorTableLookup(q0, index);
            index -= sixtyFour;
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q1, index);
            index -= sixtyFour;
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q2, index);
            index -= sixtyFour;
            r = AdvSimd.Arm64.VectorTableLookupExtension(r, q3, index);
            r.StoreUnsafe(ref py, (nuint)i);
        }

        return i;
    }

    /// <summary>16 bytes to four vectors of four int32 (uxtl twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<int>, Vector128<int>, Vector128<int>, Vector128<int>) Widen(Vector128<byte> v)
    {
        var lo = AdvSimd.ZeroExtendWideningLower(v.GetLower());
        var hi = AdvSimd.ZeroExtendWideningUpper(v);
        return (
            AdvSimd.ZeroExtendWideningLower(lo.GetLower()).AsInt32(),
            AdvSimd.ZeroExtendWideningUpper(lo).AsInt32(),
            AdvSimd.ZeroExtendWideningLower(hi.GetLower()).AsInt32(),
            AdvSimd.ZeroExtendWideningUpper(hi).AsInt32());
    }

    /// <summary>Four int32 vectors to 16 bytes, saturating to [0, 255] (sqxtn, then sqxtun).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NarrowToBytes(Vector128<int> r0, Vector128<int> r1, Vector128<int> r2, Vector128<int> r3)
    {
        var lo = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(r0), r1);
        var hi = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(r2), r3);
        return AdvSimd.ExtractNarrowingSaturateUnsignedUpper(AdvSimd.ExtractNarrowingSaturateUnsignedLower(lo), hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) Quarter(ref byte table, int start) => (
        Vector128.LoadUnsafe(ref table, (nuint)start),
        Vector128.LoadUnsafe(ref table, (nuint)(start + 16)),
        Vector128.LoadUnsafe(ref table, (nuint)(start + 32)),
        Vector128.LoadUnsafe(ref table, (nuint)(start + 48)));
}
