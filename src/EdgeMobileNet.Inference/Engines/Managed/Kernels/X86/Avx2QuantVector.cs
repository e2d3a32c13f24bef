using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// <see cref="Avx512QuantVector"/> with AVX2 + FMA: 8 lanes, so a 16-element step is two 8-lane halves narrowed to
/// bytes together after the integer clamp. Without FMA (no such AVX2 CPU is common) QLinearAdd runs the scalar
/// reference. No byte shuffle spans 256 entries in AVX2, so the table lookup stays scalar.
/// </summary>
internal readonly struct Avx2QuantVector : IQuantVector<Vector256<int>, Vector256<float>>
{
    public static readonly IQuantElementwiseKernels Kernels = new QuantElementwise<Avx2QuantVector, Vector256<int>, Vector256<float>>("avx2");

    private const int Lanes = 8;

    public static bool IsSupported => Avx2.IsSupported;

    public static bool HasFma => System.Runtime.Intrinsics.X86.Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> CreateInt(int value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AddInt(Vector256<int> left, Vector256<int> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SubtractInt(Vector256<int> left, Vector256<int> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyLow(Vector256<int> left, Vector256<int> right) => Avx2.MultiplyLow(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToFloat(Vector256<int> value) => Avx.ConvertToVector256Single(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> RoundToInt(Vector256<float> value) => Avx.ConvertToVector256Int32(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => Avx.Add(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => Avx.Multiply(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fma(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => Avx.Divide(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> value, Vector256<float> bound) => Avx.Max(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> value, Vector256<float> bound) => Avx.Min(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ZeroNaN(Vector256<float> value) => value & Vector256.Equals(value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary16<TOp>(in TOp op, ref byte a, ref byte b, ref byte y)
        where TOp : struct, IQuantBinaryOp<Vector256<int>>
    {
        var r0 = op.Apply(Widen(ref a), Widen(ref b));
        var r1 = op.Apply(Widen(ref Unsafe.Add(ref a, Lanes)), Widen(ref Unsafe.Add(ref b, Lanes)));
        StoreBytes(r0, r1, ref y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary16<TOp>(in TOp op, ref float x, ref byte y)
        where TOp : struct, IQuantUnaryOp<Vector256<float>, Vector256<int>> =>
        NarrowToBytes(op.Apply(Vector256.LoadUnsafe(ref x)), op.Apply(Vector256.LoadUnsafe(ref x, Lanes)), ref y);

    public static int Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y) => 0;

    /// <summary>8 bytes zero-extended to 8 int32 (vpmovzxbd from one 64-bit load).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Widen(ref byte source) =>
        Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref source)).AsByte());

    /// <summary>16 ints clamped to [0, 255], narrowed to 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(Vector256<int> r0, Vector256<int> r1, ref byte destination)
    {
        var top = Vector256.Create(255);
        NarrowToBytes(Avx2.Min(Avx2.Max(r0, Vector256<int>.Zero), top), Avx2.Min(Avx2.Max(r1, Vector256<int>.Zero), top), ref destination);
    }

    /// <summary>16 ints already within [0, 255] to 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NarrowToBytes(Vector256<int> r0, Vector256<int> r1, ref byte destination)
    {
        var words = Vector256.Narrow(r0.AsUInt32(), r1.AsUInt32());
        Vector256.Narrow(words, words).GetLower().StoreUnsafe(ref destination);
    }
}
