using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

/// <summary>
/// QLinearAdd and QuantizeLinear 16 elements per step with AVX-512. The float steps are the reference's, one for one:
/// int-to-float is exact, vfmadd rounds once like <see cref="MathF.FusedMultiplyAdd"/>, vdivps is the IEEE division,
/// and vcvtps2dq rounds half to even under the default MXCSR; the tail runs the scalar reference.
/// </summary>
internal sealed class Avx512QuantElementwise : IQuantElementwiseKernels
{
    public static readonly Avx512QuantElementwise Instance = new();

    private const int Lanes = 16;

    public string Name => "avx512";

    public void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);

        var i = 0;
        if (p.VectorSafe)
        {
            ref var pa = ref MemoryMarshal.GetReference(a);
            ref var pb = ref MemoryMarshal.GetReference(b);
            ref var py = ref MemoryMarshal.GetReference(y);
            var offset = Vector512.Create(p.Offset);
            var ra = Vector512.Create(p.RatioA);
            var rb = Vector512.Create(p.RatioB);
            var fixedPart = Vector512.Create(p.Fixed);
            var zero = Vector512<int>.Zero;
            var top = Vector512.Create(255);
            for (; i + Lanes <= y.Length; i += Lanes)
            {
                var va = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref pa, (nuint)i)) - offset);
                var vb = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref pb, (nuint)i)) - offset);
                var v = Avx512F.FusedMultiplyAdd(va, ra, Avx512F.FusedMultiplyAdd(vb, rb, fixedPart));
                var r = Avx512F.ConvertToVector512Int32(v) + offset;
                Avx512F.ConvertToVector128Byte(Avx512F.Min(Avx512F.Max(r, zero), top)).StoreUnsafe(ref py, (nuint)i);
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
            var za = Vector512.Create(p.ZeroA);
            var zb = Vector512.Create(p.ZeroB);
            var zc = Vector512.Create((float)(p.ZeroC - p.Offset));
            var offset = Vector512.Create(p.Offset);
            var ratio = Vector512.Create(p.Ratio);
            var lo = Vector512.Create(-p.Offset);
            var hi = Vector512.Create(255 - p.Offset);
            for (; i + Lanes <= y.Length; i += Lanes)
            {
                // The centred product is exact in int32 and in float (|x| <= 65025 < 2^24).
                var product = Avx512F.MultiplyLow(
                    Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref pa, (nuint)i)) - za,
                    Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref pb, (nuint)i)) - zb);
                // Multiply, then add the zero point as its own rounding step (no FMA), as MLAS does.
                var r = Avx512F.ConvertToVector512Int32(Avx512F.Add(Avx512F.Multiply(Avx512F.ConvertToVector512Single(product), ratio), zc));
                Avx512F.ConvertToVector128Byte(Avx512F.Min(Avx512F.Max(r, lo), hi) + offset).StoreUnsafe(ref py, (nuint)i);
            }
        }

        ScalarQuantElementwise.MulRange(a, b, p, y, i);
    }

    /// <summary>
    /// 64 bytes per step with AVX-512 VBMI: vpermi2b looks each index up in a 128-entry half (its low 7 bits), once in
    /// each half, and the index's top bit picks the half. Without VBMI the scalar loop runs.
    /// </summary>
    public void Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y)
    {
        if (table.Length != 256 || x.Length < y.Length)
        {
            throw new ArgumentException("a lookup needs a 256-entry table and an input as long as the output");
        }

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

        ScalarQuantElementwise.LookupRange(x, table, y, i);
    }

    public void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y)
    {
        if (x.Length < y.Length)
        {
            throw new ArgumentException("input shorter than the output");
        }

        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        var s = Vector512.Create(scale);
        var lo = Vector512.Create((float)(min - zeroPoint));
        var hi = Vector512.Create((float)(max - zeroPoint));
        var zp = Vector512.Create(zeroPoint);
        var i = 0;
        for (; i + Lanes <= y.Length; i += Lanes)
        {
            var v = Avx512F.Divide(Vector512.LoadUnsafe(ref px, (nuint)i), s);
            v &= Vector512.Equals(v, v); // NaN -> 0, as the reference
            v = Avx512F.Min(Avx512F.Max(v, lo), hi);
            Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(v) + zp).StoreUnsafe(ref py, (nuint)i);
        }

        ScalarQuantElementwise.QuantizeRange(x, scale, zeroPoint, min, max, y, i);
    }
}
