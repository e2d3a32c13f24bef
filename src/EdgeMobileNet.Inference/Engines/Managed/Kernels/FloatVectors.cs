using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The instructions <see cref="FloatKernels{V, TVec}"/> is written in, for one vector ISA. Every member is one
/// instruction (or one broadcast), lane for lane the IEEE operation the scalar reference does: a separate multiply and
/// add, a fused multiply-add, max then min for the clamp.
/// </summary>
internal interface IFloatVector<TVec>
    where TVec : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>Whether 6 x 4-vector pointwise tiles fit the registers (24 accumulators + 4 weights + 1 broadcast).</summary>
    static abstract bool WidePanels { get; }

    static abstract TVec Load(ref float source, nint offset);

    static abstract void Store(TVec value, ref float destination, nint offset);

    static abstract TVec Create(float value);

    static abstract TVec Add(TVec left, TVec right);

    static abstract TVec Multiply(TVec left, TVec right);

    /// <summary>left * right + addend, rounded once.</summary>
    static abstract TVec Fma(TVec left, TVec right, TVec addend);

    static abstract TVec Max(TVec value, TVec bound);

    static abstract TVec Min(TVec value, TVec bound);

    /// <summary>
    /// addend + left * lanes[lane], rounded once (as <see cref="Fma"/> with a broadcast of that lane). Only NEON has it
    /// as one instruction (fmla by element); the pointwise tiles use it when <c>V</c> is <see cref="NeonFloat"/>, a
    /// type test the JIT folds while importing, so the other ISAs' code never contains those loops. (A capability
    /// flag read through <c>V</c> is folded only after inlining, too late: the tile's accumulators, passed by
    /// reference in the dead loop, were left address-exposed and lived in memory.)
    /// </summary>
    static abstract TVec FmaLane(TVec addend, TVec left, TVec lanes, [ConstantExpected(Max = 3)] byte lane);
}

/// <summary>AVX-512F: 16 lanes, 32 registers.</summary>
internal readonly struct Avx512Float : IFloatVector<Vector512<float>>
{
    public static int Lanes => 16;

    public static bool WidePanels => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Avx512F.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> value, Vector512<float> bound) => Avx512F.Max(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> value, Vector512<float> bound) => Avx512F.Min(value, bound);

    public static Vector512<float> FmaLane(Vector512<float> addend, Vector512<float> left, Vector512<float> lanes, [ConstantExpected(Max = 3)] byte lane) =>
        throw new PlatformNotSupportedException();
}

/// <summary>AVX2 with FMA3: 8 lanes, 16 registers (no four-vector panels). Without FMA3 the callers use the reference
/// for the fused multiply-add chains.</summary>
internal readonly struct Avx2Float : IFloatVector<Vector256<float>>
{
    public static int Lanes => 8;

    public static bool WidePanels => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fma(Vector256<float> left, Vector256<float> right, Vector256<float> addend) => System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> value, Vector256<float> bound) => Avx.Max(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> value, Vector256<float> bound) => Avx.Min(value, bound);

    public static Vector256<float> FmaLane(Vector256<float> addend, Vector256<float> left, Vector256<float> lanes, [ConstantExpected(Max = 3)] byte lane) =>
        throw new PlatformNotSupportedException();
}

/// <summary>ARM64 NEON (AdvSimd): 4 lanes, 32 registers, <c>fmla</c>, <c>fmax</c>/<c>fmin</c>.</summary>
internal readonly struct NeonFloat : IFloatVector<Vector128<float>>
{
    public static int Lanes => 4;

    public static bool WidePanels => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => AdvSimd.Add(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => AdvSimd.Multiply(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fma(Vector128<float> left, Vector128<float> right, Vector128<float> addend) => AdvSimd.FusedMultiplyAdd(addend, left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> value, Vector128<float> bound) => AdvSimd.Max(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> value, Vector128<float> bound) => AdvSimd.Min(value, bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FmaLane(Vector128<float> addend, Vector128<float> left, Vector128<float> lanes, [ConstantExpected(Max = 3)] byte lane) =>
        AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(addend, left, lanes, lane);
}
