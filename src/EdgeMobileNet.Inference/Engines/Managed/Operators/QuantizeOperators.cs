using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Per-tensor or per-axis quantisation parameters laid over a slot's storage: the parameter index of storage element i
/// is (i / Inner) % Count.
/// </summary>
internal readonly record struct AxisParams(float[] Scales, int[] ZeroPoints, int Inner)
{
    public int Count => Scales.Length;

    public static AxisParams For(TensorSlot slot, int axis, float[] scales, int[] zeroPoints)
    {
        if (scales.Length == 1)
        {
            return new AxisParams(scales, zeroPoints, 1);
        }

        // Inner = product of the storage dims after the axis's storage position.
        var order = slot.StorageOrder;
        var inner = 1;
        for (var k = Array.IndexOf(order, axis) + 1; k < order.Length; k++)
        {
            inner *= slot.Shape[order[k]];
        }

        return new AxisParams(scales, zeroPoints, inner);
    }

    public int Index(int i) => Count == 1 ? 0 : (i / Inner) % Count;
}

/// <summary>QuantizeLinear to the uint8 domain (int8 targets are shifted by the planner via their zero points).</summary>
internal sealed class QuantizeOperator : Operator
{
    private readonly AxisParams _p;
    private readonly int _min;
    private readonly int _max;
    private readonly IQuantElementwiseKernels? _kernels;

    public QuantizeOperator(string name, AxisParams p, int min, int max, TensorSlot input, TensorSlot output, IQuantElementwiseKernels? kernels = null)
        : base(name, [input], output)
    {
        _p = p;
        _min = min;
        _max = max;
        _kernels = p.Count == 1 ? kernels : null;
    }

    public AxisParams Params => _p;

    public int Min => _min;

    public int Max => _max;

    /// <summary>The vectorised kernels, set only for per-tensor parameters.</summary>
    public IQuantElementwiseKernels? Kernels => _kernels;

    public override void Run(Arena arena)
    {
        var x = arena.Floats(Inputs[0]);
        var y = arena.Bytes(Output!);
        if (_kernels is not null)
        {
            _kernels.Quantize(x, _p.Scales[0], _p.ZeroPoints[0], _min, _max, y);
            return;
        }

        for (var i = 0; i < y.Length; i++)
        {
            var k = _p.Index(i);
            y[i] = Requantization.Quantize(x[i], _p.Scales[k], _p.ZeroPoints[k], _min, _max);
        }
    }
}

/// <summary>DequantizeLinear of an activation.</summary>
internal sealed class DequantizeOperator : Operator
{
    private readonly AxisParams _p;

    public DequantizeOperator(string name, AxisParams p, TensorSlot input, TensorSlot output)
        : base(name, [input], output)
    {
        _p = p;
    }

    public override void Run(Arena arena)
    {
        var x = arena.Bytes(Inputs[0]);
        var y = arena.Floats(Output!);
        for (var i = 0; i < y.Length; i++)
        {
            var k = _p.Index(i);
            y[i] = Requantization.Dequantize(x[i], _p.Scales[k], _p.ZeroPoints[k]);
        }
    }
}

/// <summary>
/// A quantised unary op as a 256-entry table (QLinearSigmoid; DQ -> HardSwish/HardSigmoid -> Q), built by
/// dequantising, applying the float function and quantising.
/// </summary>
internal sealed class LookupOperator : Operator
{
    private readonly byte[] _table;
    private readonly IQuantElementwiseKernels _kernels;

    public LookupOperator(string name, byte[] table, TensorSlot input, TensorSlot output, IQuantElementwiseKernels? kernels = null)
        : base(name, [input], output)
    {
        _table = table;
        _kernels = kernels ?? Kernels.Scalar.ScalarQuantElementwise.Instance;
    }

    public override long WeightBytes => _table.Length;

    public override void Run(Arena arena) => _kernels.Lookup(arena.Bytes(Inputs[0]), _table, arena.Bytes(Output!));
}
