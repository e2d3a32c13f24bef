using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// <see cref="Avx512QuantElementwise"/> with AVX2 + FMA: 16 elements per step as two 8-lane halves narrowed to bytes
/// after the integer clamp. Without FMA (no such AVX2 CPU is common) everything runs the scalar reference.
/// </summary>
internal sealed class Avx2QuantElementwise : IQuantElementwiseKernels
{
    public static readonly Avx2QuantElementwise Instance = new();

    private const int Lanes = 8;

    public string Name => "avx2";

    public void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);

        var i = 0;
        if (p.VectorSafe && Fma.IsSupported)
        {
            ref var pa = ref MemoryMarshal.GetReference(a);
            ref var pb = ref MemoryMarshal.GetReference(b);
            ref var py = ref MemoryMarshal.GetReference(y);
            var offset = Vector256.Create(p.Offset);
            var ra = Vector256.Create(p.RatioA);
            var rb = Vector256.Create(p.RatioB);
            var fixedPart = Vector256.Create(p.Fixed);
            for (; i + (2 * Lanes) <= y.Length; i += 2 * Lanes)
            {
                var r0 = AddLanes(ref Unsafe.Add(ref pa, i), ref Unsafe.Add(ref pb, i), offset, ra, rb, fixedPart);
                var r1 = AddLanes(ref Unsafe.Add(ref pa, i + Lanes), ref Unsafe.Add(ref pb, i + Lanes), offset, ra, rb, fixedPart);
                StoreBytes(r0, r1, ref Unsafe.Add(ref py, i));
            }
        }

        ScalarQuantElementwise.AddRange(a, b, p, y, i);
    }

    public void Mul(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantMulParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);

        var i = 0;
        if (p.VectorSafe)
        {
            ref var pa = ref MemoryMarshal.GetReference(a);
            ref var pb = ref MemoryMarshal.GetReference(b);
            ref var py = ref MemoryMarshal.GetReference(y);
            for (; i + (2 * Lanes) <= y.Length; i += 2 * Lanes)
            {
                var r0 = MulLanes(ref Unsafe.Add(ref pa, i), ref Unsafe.Add(ref pb, i), p);
                var r1 = MulLanes(ref Unsafe.Add(ref pa, i + Lanes), ref Unsafe.Add(ref pb, i + Lanes), p);
                StoreBytes(r0, r1, ref Unsafe.Add(ref py, i));
            }
        }

        ScalarQuantElementwise.MulRange(a, b, p, y, i);
    }

    /// <summary>No byte shuffle spans 256 entries in AVX2; the table stays scalar.</summary>
    public void Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y) => ScalarQuantElementwise.Instance.Lookup(x, table, y);

    public void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y)
    {
        if (x.Length < y.Length)
        {
            throw new ArgumentException("input shorter than the output");
        }

        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        var s = Vector256.Create(scale);
        var lo = Vector256.Create((float)(min - zeroPoint));
        var hi = Vector256.Create((float)(max - zeroPoint));
        var zp = Vector256.Create(zeroPoint);
        var i = 0;
        for (; i + (2 * Lanes) <= y.Length; i += 2 * Lanes)
        {
            var r0 = QuantizeLanes(Vector256.LoadUnsafe(ref px, (nuint)i), s, lo, hi) + zp;
            var r1 = QuantizeLanes(Vector256.LoadUnsafe(ref px, (nuint)(i + Lanes)), s, lo, hi) + zp;
            StoreBytes(r0, r1, ref Unsafe.Add(ref py, i));
        }

        ScalarQuantElementwise.QuantizeRange(x, scale, zeroPoint, min, max, y, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> AddLanes(ref byte a, ref byte b, Vector256<int> offset, Vector256<float> ra, Vector256<float> rb, Vector256<float> fixedPart)
    {
        var va = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref a)).AsByte()) - offset);
        var vb = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref b)).AsByte()) - offset);
        var v = Fma.MultiplyAdd(va, ra, Fma.MultiplyAdd(vb, rb, fixedPart));
        var r = Avx.ConvertToVector256Int32(v) + offset;
        return Avx2.Min(Avx2.Max(r, Vector256<int>.Zero), Vector256.Create(255));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MulLanes(ref byte a, ref byte b, in QuantMulParameters p)
    {
        var va = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref a)).AsByte()) - Vector256.Create(p.ZeroA);
        var vb = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref b)).AsByte()) - Vector256.Create(p.ZeroB);
        // Multiply, then add the zero point as its own rounding step (no FMA), as MLAS does.
        var v = Avx.Add(Avx.Multiply(Avx.ConvertToVector256Single(Avx2.MultiplyLow(va, vb)), Vector256.Create(p.Ratio)), Vector256.Create((float)(p.ZeroC - p.Offset)));
        var r = Avx.ConvertToVector256Int32(v);
        return Avx2.Min(Avx2.Max(r, Vector256.Create(-p.Offset)), Vector256.Create(255 - p.Offset)) + Vector256.Create(p.Offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> QuantizeLanes(Vector256<float> x, Vector256<float> s, Vector256<float> lo, Vector256<float> hi)
    {
        var v = Avx.Divide(x, s);
        v &= Vector256.Equals(v, v); // NaN -> 0, as the reference
        return Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(v, lo), hi));
    }

    /// <summary>16 ints already within [0, 255] to 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(Vector256<int> r0, Vector256<int> r1, ref byte destination)
    {
        var words = Vector256.Narrow(r0.AsUInt32(), r1.AsUInt32());
        Vector256.Narrow(words, words).GetLower().StoreUnsafe(ref destination);
    }
}
