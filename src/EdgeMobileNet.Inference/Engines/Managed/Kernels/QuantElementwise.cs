using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The elementwise int8 kernels for every vector ISA, one loop per operation, in the style of TensorPrimitives:
/// <typeparamref name="V"/> is the instruction set (an <see cref="IQuantVector{TInt, TFloat}"/>: AVX-512, AVX2 + FMA3,
/// NEON) and each operation's math is an operator struct (<see cref="AddOp"/>, <see cref="MulOp"/>,
/// <see cref="QuantizeOp"/>) holding its broadcast constants. Both are structs with static or inlined members, so the
/// JIT compiles one specialised copy per ISA with no calls or boxing in the loop. The loop runs 16 elements per step;
/// the tail, and constants the vector path cannot take bit-exactly, run the scalar reference, so every result equals
/// <see cref="ScalarQuantElementwise"/> byte for byte.
/// </summary>
internal sealed class QuantElementwise<V, TInt, TFloat> : IQuantElementwiseKernels
    where V : struct, IQuantVector<TInt, TFloat>
    where TInt : struct
    where TFloat : struct
{
    private const int Step = 16;

    public QuantElementwise(string name) => Name = name;

    public string Name { get; }

    public void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantAddParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);
        var i = p.VectorSafe && V.IsSupported && V.HasFma ? Binary(new AddOp(p), a, b, y) : 0;
        ScalarQuantElementwise.AddRange(a, b, p, y, i);
    }

    public void Mul(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, in QuantMulParameters p, Span<byte> y)
    {
        ScalarQuantElementwise.RequireOperands(a, b, y);
        var i = p.VectorSafe && V.IsSupported ? Binary(new MulOp(p), a, b, y) : 0;
        ScalarQuantElementwise.MulRange(a, b, p, y, i);
    }

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

        var i = V.IsSupported ? V.Lookup(x, table, y) : 0;
        ScalarQuantElementwise.LookupRange(x, table, y, i);
    }

    /// <summary>
    /// Output bounds outside [0, 255] (not produced by the planner) take the reference, whose byte cast wraps where
    /// the vector narrowing saturates.
    /// </summary>
    public void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y)
    {
        if (x.Length < y.Length)
        {
            throw new ArgumentException("input shorter than the output");
        }

        var i = V.IsSupported && min >= 0 && max <= 255 ? Unary(new QuantizeOp(scale, zeroPoint, min, max), x, y) : 0;
        ScalarQuantElementwise.QuantizeRange(x, scale, zeroPoint, min, max, y, i);
    }

    /// <summary>The one loop of every two-operand kernel; returns how many leading elements it wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Binary<TOp>(in TOp op, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> y)
        where TOp : struct, IQuantBinaryOp<TInt>
    {
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        ref var py = ref MemoryMarshal.GetReference(y);
        var i = 0;
        for (; i + Step <= y.Length; i += Step)
        {
            V.Binary16(op, ref Unsafe.Add(ref pa, i), ref Unsafe.Add(ref pb, i), ref Unsafe.Add(ref py, i));
        }

        return i;
    }

    /// <summary>
    /// The one loop of every float-to-int8 kernel; returns how many leading elements it wrote. Not inlined: inside
    /// the caller, with its scalar tail, the JIT kept the output reference in memory and reloaded it every step.
    /// The operator comes by value: through a reference the JIT reloaded its constants every step (the byte stores
    /// might alias them).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Unary<TOp>(TOp op, ReadOnlySpan<float> x, Span<byte> y)
        where TOp : struct, IQuantUnaryOp<TFloat, TInt>
    {
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        var i = 0;
        for (; i + Step <= y.Length; i += Step)
        {
            V.Unary16(op, ref Unsafe.Add(ref px, i), ref Unsafe.Add(ref py, i));
        }

        return i;
    }

    /// <summary>
    /// QLinearAdd, <see cref="Requantization.AddQuantized"/>: round(fma(a, rA, fma(b, rB, fixed))) + offset on the
    /// operands' own values (stored value minus offset); the narrowing saturates to the stored range.
    /// </summary>
    private readonly struct AddOp(in QuantAddParameters p) : IQuantBinaryOp<TInt>
    {
        private readonly TInt _offset = V.CreateInt(p.Offset);
        private readonly TFloat _ratioA = V.Create(p.RatioA);
        private readonly TFloat _ratioB = V.Create(p.RatioB);
        private readonly TFloat _fixed = V.Create(p.Fixed);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TInt Apply(TInt a, TInt b)
        {
            var fa = V.ToFloat(V.SubtractInt(a, _offset));
            var fb = V.ToFloat(V.SubtractInt(b, _offset));
            return V.AddInt(V.RoundToInt(V.Fma(fa, _ratioA, V.Fma(fb, _ratioB, _fixed))), _offset);
        }
    }

    /// <summary>
    /// QLinearMul, <see cref="Requantization.MulQuantized"/>: the centred product (exact in int32 and float, at most
    /// 255 * 255) times the ratio, then the output zero point added as its own rounding step (no FMA), as MLAS does.
    /// </summary>
    private readonly struct MulOp(in QuantMulParameters p) : IQuantBinaryOp<TInt>
    {
        private readonly TInt _zeroA = V.CreateInt(p.ZeroA);
        private readonly TInt _zeroB = V.CreateInt(p.ZeroB);
        private readonly TFloat _ratio = V.Create(p.Ratio);
        private readonly TFloat _zeroC = V.Create((float)(p.ZeroC - p.Offset));
        private readonly TInt _offset = V.CreateInt(p.Offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TInt Apply(TInt a, TInt b)
        {
            var product = V.MultiplyLow(V.SubtractInt(a, _zeroA), V.SubtractInt(b, _zeroB));
            return V.AddInt(V.RoundToInt(V.Add(V.Multiply(V.ToFloat(product), _ratio), _zeroC)), _offset);
        }
    }

    /// <summary>
    /// QuantizeLinear, <see cref="Requantization.Quantize"/>: x / scale (the IEEE division), NaN to 0, clamped to the
    /// output range around the zero point, rounded half to even, plus the zero point: within [min, max], which the
    /// caller keeps inside [0, 255].
    /// </summary>
    private readonly struct QuantizeOp(float scale, int zeroPoint, int min, int max) : IQuantUnaryOp<TFloat, TInt>
    {
        private readonly TFloat _scale = V.Create(scale);
        private readonly TFloat _lo = V.Create((float)(min - zeroPoint));
        private readonly TFloat _hi = V.Create((float)(max - zeroPoint));
        private readonly TInt _zeroPoint = V.CreateInt(zeroPoint);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TInt Apply(TFloat x)
        {
            var v = V.ZeroNaN(V.Divide(x, _scale));
            return V.AddInt(V.RoundToInt(V.Min(V.Max(v, _lo), _hi)), _zeroPoint);
        }
    }
}
