using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;

/// <summary>
/// The epilogue every ARM integer kernel shares: <see cref="Requantization.Requantize"/> on int32 lanes, bit for bit.
/// scvtf rounds to nearest like C#'s int to float conversion, the product is one fp32 multiply, fmax/fmin clamp
/// exactly as Math.Clamp does for the non-NaN values an integer accumulator gives, and fcvtns is round half to even.
/// </summary>
internal readonly struct NeonRequantization
{
    private readonly Vector128<float> _lo;
    private readonly Vector128<float> _hi;
    private readonly Vector128<int> _zeroPoint;

    public NeonRequantization(QuantConvParameters p)
    {
        _lo = Vector128.Create(p.Lo);
        _hi = Vector128.Create(p.Hi);
        _zeroPoint = Vector128.Create(p.OutputZeroPoint);
    }

    /// <summary>Four channels: (acc + bias) as float times scale, clamped, rounded half to even, plus the zero point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Four(Vector128<int> acc, Vector128<int> bias, Vector128<float> scale)
    {
        var v = AdvSimd.Multiply(AdvSimd.ConvertToSingle(acc + bias), scale);
        v = AdvSimd.Min(AdvSimd.Max(v, _lo), _hi);
        return AdvSimd.ConvertToInt32RoundToEven(v) + _zeroPoint;
    }

    /// <summary>Sixteen channels starting at <paramref name="c"/> of the padded bias and scales, as 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<byte> Sixteen(
        Vector128<int> a0, Vector128<int> a1, Vector128<int> a2, Vector128<int> a3, ref int bias, ref float scales, int c)
    {
        var q0 = Four(a0, Vector128.LoadUnsafe(ref bias, (nuint)c), Vector128.LoadUnsafe(ref scales, (nuint)c));
        var q1 = Four(a1, Vector128.LoadUnsafe(ref bias, (nuint)(c + 4)), Vector128.LoadUnsafe(ref scales, (nuint)(c + 4)));
        var q2 = Four(a2, Vector128.LoadUnsafe(ref bias, (nuint)(c + 8)), Vector128.LoadUnsafe(ref scales, (nuint)(c + 8)));
        var q3 = Four(a3, Vector128.LoadUnsafe(ref bias, (nuint)(c + 12)), Vector128.LoadUnsafe(ref scales, (nuint)(c + 12)));
        return Narrow(Narrow(q0, q1), Narrow(q2, q3));
    }

    /// <summary>Eight channels starting at <paramref name="c"/>, as the low 8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector64<byte> Eight(Vector128<int> a0, Vector128<int> a1, ref int bias, ref float scales, int c)
    {
        var q0 = Four(a0, Vector128.LoadUnsafe(ref bias, (nuint)c), Vector128.LoadUnsafe(ref scales, (nuint)c));
        var q1 = Four(a1, Vector128.LoadUnsafe(ref bias, (nuint)(c + 4)), Vector128.LoadUnsafe(ref scales, (nuint)(c + 4)));
        return AdvSimd.ExtractNarrowingSaturateUnsignedLower(Narrow(q0, q1));
    }

    /// <summary>Stores the first <paramref name="count"/> of 16 bytes (a ragged channel end).</summary>
    public static void StorePartial(Vector128<byte> q, Span<byte> destination, int count)
    {
        var tmp = q;
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector128<byte>, byte>(ref tmp), 16)[..count].CopyTo(destination);
    }

    // The values are already within [0, 255] after the clamp, so the saturating narrows change nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Narrow(Vector128<int> lo, Vector128<int> hi) =>
        AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(lo), hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi) =>
        AdvSimd.ExtractNarrowingSaturateUnsignedUpper(AdvSimd.ExtractNarrowingSaturateUnsignedLower(lo), hi);
}
