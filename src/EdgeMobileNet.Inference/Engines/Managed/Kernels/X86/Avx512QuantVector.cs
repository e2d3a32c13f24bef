using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// The elementwise int8 instructions with AVX-512: 16 int32/fp32 lanes, so one vector per 16-element step. The float
/// steps are the reference's, one for one: int-to-float is exact, vfmadd rounds once like
/// <see cref="MathF.FusedMultiplyAdd"/>, vdivps is the IEEE division, and vcvtps2dq rounds half to even under the
/// default MXCSR.
/// </summary>
internal readonly struct Avx512QuantVector : IQuantVector<Vector512<int>, Vector512<float>>
{
    public static readonly IQuantElementwiseKernels Kernels = new QuantElementwise<Avx512QuantVector, Vector512<int>, Vector512<float>>("avx512");

    public static bool IsSupported => Avx512F.IsSupported;

    public static bool HasFma => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> CreateInt(int value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> AddInt(Vector512<int> left, Vector512<int> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> SubtractInt(Vector512<int> left, Vector512<int> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MultiplyLow(Vector512<int> left, Vector512<int> right) => Avx512F.MultiplyLow(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToFloat(Vector512<int> value) => Avx512F.ConvertToVector512Single(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> RoundToInt(Vector512<float> value) => Avx512F.ConvertToVector512Int32(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => Avx512F.Add(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => Avx512F.Multiply(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Avx512F.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => Avx512F.Divide(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> value, Vector512<float> bound) => Avx512F.Max(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> value, Vector512<float> bound) => Avx512F.Min(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ZeroNaN(Vector512<float> value) => value & Vector512.Equals(value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary16<TOp>(in TOp op, ref byte a, ref byte b, ref byte y)
        where TOp : struct, IQuantBinaryOp<Vector512<int>> =>
        StoreBytes(op.Apply(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref a)), Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref b))), ref y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary16<TOp>(in TOp op, ref float x, ref byte y)
        where TOp : struct, IQuantUnaryOp<Vector512<float>, Vector512<int>> =>
        Avx512F.ConvertToVector128Byte(op.Apply(Vector512.LoadUnsafe(ref x))).StoreUnsafe(ref y);

    /// <summary>
    /// 64 bytes per step with AVX-512 VBMI: vpermi2b looks each index up in a 128-entry half (its low 7 bits), once in
    /// each half, and the index's top bit picks the half. Without VBMI the scalar loop runs.
    /// </summary>
    public static int Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y)
    {
        var i = 0;
        if (Avx512Vbmi.IsSupported)
        {
            ref var t = ref MemoryMarshal.GetReference(table);
            var t0 = Vector512.LoadUnsafe(ref t);
            var t1 = Vector512.LoadUnsafe(ref t, 64);
            var t2 = Vector512.LoadUnsafe(ref t, 128);
            var t3 = Vector512.LoadUnsafe(ref t, 192);
            ref var px = ref MemoryMarshal.GetReference(x);
            ref var py = ref MemoryMarshal.GetReference(y);
            for (; i + 64 <= y.Length; i += 64)
            {
                var index = Vector512.LoadUnsafe(ref px, (nuint)i);
                var low = Avx512Vbmi.PermuteVar64x8x2(t0, index, t1);
                var high = Avx512Vbmi.PermuteVar64x8x2(t2, index, t3);
                var top = Vector512.GreaterThanOrEqual(index, Vector512.Create((byte)128));
                Vector512.ConditionalSelect(top, high, low).StoreUnsafe(ref py, (nuint)i);
            }
        }

        return i;
    }

    /// <summary>16 ints clamped to [0, 255], truncated to bytes (vpmovdb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(Vector512<int> r, ref byte destination) =>
        Avx512F.ConvertToVector128Byte(Avx512F.Min(Avx512F.Max(r, Vector512<int>.Zero), Vector512.Create(255))).StoreUnsafe(ref destination);
}
