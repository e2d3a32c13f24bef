using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// The elementwise int8 kernels with AdvSimd (ARMv8 NEON), 16 elements per step as four int32/fp32 quarters, bit for
/// bit the scalar reference: fmla is one rounding per fused multiply-add like MathF.FusedMultiplyAdd, fdiv is the IEEE
/// division, fcvtns rounds half to even, and the saturating narrows (sqxtn, sqxtun) are the final clamp to [0, 255].
/// The SDOT kernel set uses the same code (the dot product has no use here); only the name differs.
/// </summary>
internal sealed class NeonQuantElementwise : IQuantElementwiseKernels
{
    public static readonly NeonQuantElementwise Neon = new("neon");

    public static readonly NeonQuantElementwise Sdot = new("sdot");

    private const int Step = 16;

    private NeonQuantElementwise(string name) => Name = name;

    public static bool IsSupported => AdvSimd.Arm64.IsSupported;

    public string Name { get; }

    public void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);

        var i = 0;
        if (p.VectorSafe && IsSupported)
        {
            ref var pa = ref MemoryMarshal.GetReference(a);
            ref var pb = ref MemoryMarshal.GetReference(b);
            ref var py = ref MemoryMarshal.GetReference(y);
            var offset = Vector128.Create(p.Offset);
            var ra = Vector128.Create(p.RatioA);
            var rb = Vector128.Create(p.RatioB);
            var fixedPart = Vector128.Create(p.Fixed);
            for (; i + Step <= y.Length; i += Step)
            {
                var va = Vector128.LoadUnsafe(ref pa, (nuint)i);
                var vb = Vector128.LoadUnsafe(ref pb, (nuint)i);
                var (a0, a1, a2, a3) = WidenToInt(va);
                var (b0, b1, b2, b3) = WidenToInt(vb);
                var r0 = AddLanes(a0, b0, offset, ra, rb, fixedPart);
                var r1 = AddLanes(a1, b1, offset, ra, rb, fixedPart);
                var r2 = AddLanes(a2, b2, offset, ra, rb, fixedPart);
                var r3 = AddLanes(a3, b3, offset, ra, rb, fixedPart);
                NarrowToBytes(r0, r1, r2, r3).StoreUnsafe(ref py, (nuint)i);
            }
        }

        ScalarQuantElementwise.AddRange(a, b, p, y, i);
    }

    public void Mul(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantMulParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);

        var i = 0;
        if (p.VectorSafe && IsSupported)
        {
            ref var pa = ref MemoryMarshal.GetReference(a);
            ref var pb = ref MemoryMarshal.GetReference(b);
            ref var py = ref MemoryMarshal.GetReference(y);
            var zeroA = Vector128.Create((short)p.ZeroA);
            var zeroB = Vector128.Create((short)p.ZeroB);
            var ratio = Vector128.Create(p.Ratio);
            var zeroC = Vector128.Create((float)(p.ZeroC - p.Offset));
            var offset = Vector128.Create(p.Offset);
            for (; i + Step <= y.Length; i += Step)
            {
                var va = Vector128.LoadUnsafe(ref pa, (nuint)i);
                var vb = Vector128.LoadUnsafe(ref pb, (nuint)i);

                // Centred operands are within [-255, 255]: int16; their products (|p| <= 65025) need int32 (smull).
                var aLo = AdvSimd.ZeroExtendWideningLower(va.GetLower()).AsInt16() - zeroA;
                var aHi = AdvSimd.ZeroExtendWideningUpper(va).AsInt16() - zeroA;
                var bLo = AdvSimd.ZeroExtendWideningLower(vb.GetLower()).AsInt16() - zeroB;
                var bHi = AdvSimd.ZeroExtendWideningUpper(vb).AsInt16() - zeroB;
                var r0 = MulLanes(AdvSimd.MultiplyWideningLower(aLo.GetLower(), bLo.GetLower()), ratio, zeroC, offset);
                var r1 = MulLanes(AdvSimd.MultiplyWideningUpper(aLo, bLo), ratio, zeroC, offset);
                var r2 = MulLanes(AdvSimd.MultiplyWideningLower(aHi.GetLower(), bHi.GetLower()), ratio, zeroC, offset);
                var r3 = MulLanes(AdvSimd.MultiplyWideningUpper(aHi, bHi), ratio, zeroC, offset);
                NarrowToBytes(r0, r1, r2, r3).StoreUnsafe(ref py, (nuint)i);
            }
        }

        ScalarQuantElementwise.MulRange(a, b, p, y, i);
    }

    /// <summary>
    /// The 256-entry table as four 64-byte quarters: tbl on the first (indices past 63 give 0), then tbx on each
    /// further quarter with the index moved down by 64 (out-of-range indices, including those that wrapped below
    /// zero, keep the byte already found).
    /// </summary>
    public void Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y)
    {
        if (table.Length != 256)
        {
            throw new ArgumentException("a lookup table has 256 entries", nameof(table));
        }

        if (x.Length < y.Length)
        {
            throw new ArgumentException("input shorter than the output");
        }

        var i = 0;
        if (IsSupported)
        {
            ref var pt = ref MemoryMarshal.GetReference(table);
            var q0 = Quarter(ref pt, 0);
            var q1 = Quarter(ref pt, 64);
            var q2 = Quarter(ref pt, 128);
            var q3 = Quarter(ref pt, 192);
            var sixtyFour = Vector128.Create((byte)64);
            ref var px = ref MemoryMarshal.GetReference(x);
            ref var py = ref MemoryMarshal.GetReference(y);
            for (; i + Step <= y.Length; i += Step)
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
        }

        ScalarQuantElementwise.LookupRange(x, table, y, i);
    }

    public void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y)
    {
        if (x.Length < y.Length)
        {
            throw new ArgumentException("input shorter than the output");
        }

        var i = 0;
        if (IsSupported)
        {
            ref var px = ref MemoryMarshal.GetReference(x);
            ref var py = ref MemoryMarshal.GetReference(y);
            var s = Vector128.Create(scale);
            var lo = Vector128.Create((float)(min - zeroPoint));
            var hi = Vector128.Create((float)(max - zeroPoint));
            var zp = Vector128.Create(zeroPoint);
            for (; i + Step <= y.Length; i += Step)
            {
                var r0 = QuantizeLanes(Vector128.LoadUnsafe(ref px, (nuint)i), s, lo, hi) + zp;
                var r1 = QuantizeLanes(Vector128.LoadUnsafe(ref px, (nuint)(i + 4)), s, lo, hi) + zp;
                var r2 = QuantizeLanes(Vector128.LoadUnsafe(ref px, (nuint)(i + 8)), s, lo, hi) + zp;
                var r3 = QuantizeLanes(Vector128.LoadUnsafe(ref px, (nuint)(i + 12)), s, lo, hi) + zp;
                NarrowToBytes(r0, r1, r2, r3).StoreUnsafe(ref py, (nuint)i);
            }
        }

        ScalarQuantElementwise.QuantizeRange(x, scale, zeroPoint, min, max, y, i);
    }

    /// <summary>16 bytes to four vectors of four int32 (uxtl twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<int>, Vector128<int>, Vector128<int>, Vector128<int>) WidenToInt(Vector128<byte> v)
    {
        var lo = AdvSimd.ZeroExtendWideningLower(v.GetLower());
        var hi = AdvSimd.ZeroExtendWideningUpper(v);
        return (
            AdvSimd.ZeroExtendWideningLower(lo.GetLower()).AsInt32(),
            AdvSimd.ZeroExtendWideningUpper(lo).AsInt32(),
            AdvSimd.ZeroExtendWideningLower(hi.GetLower()).AsInt32(),
            AdvSimd.ZeroExtendWideningUpper(hi).AsInt32());
    }

    /// <summary>round(fma(a, rA, fma(b, rB, fixed))) + offset on the operands' own values (stored minus offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> AddLanes(
        Vector128<int> a, Vector128<int> b, Vector128<int> offset, Vector128<float> ra, Vector128<float> rb, Vector128<float> fixedPart)
    {
        var fa = AdvSimd.ConvertToSingle(a - offset);
        var fb = AdvSimd.ConvertToSingle(b - offset);
        // FusedMultiplyAdd(addend, left, right) = addend + left * right with one rounding (fmla).
        var v = AdvSimd.FusedMultiplyAdd(AdvSimd.FusedMultiplyAdd(fixedPart, fb, rb), fa, ra);
        return AdvSimd.ConvertToInt32RoundToEven(v) + offset;
    }

    /// <summary>Product times ratio, then the zero point added as its own rounding (no FMA), as MLAS does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> MulLanes(Vector128<int> product, Vector128<float> ratio, Vector128<float> zeroC, Vector128<int> offset)
    {
        var v = AdvSimd.Add(AdvSimd.Multiply(AdvSimd.ConvertToSingle(product), ratio), zeroC);
        return AdvSimd.ConvertToInt32RoundToEven(v) + offset;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> QuantizeLanes(Vector128<float> x, Vector128<float> s, Vector128<float> lo, Vector128<float> hi)
    {
        var v = AdvSimd.Arm64.Divide(x, s);
        v &= AdvSimd.CompareEqual(v, v); // NaN -> 0, as the reference
        return AdvSimd.ConvertToInt32RoundToEven(AdvSimd.Min(AdvSimd.Max(v, lo), hi));
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
