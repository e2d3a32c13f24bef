using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Loading;
using EdgeMobileNet.Inference.Engines.Managed.Operators;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>
/// Lowers the shaped graph to operators, fusing as it goes (QDQ groups to integer kernels, BatchNorm, activations and
/// residual adds into convolutions), then plans the arena. Values are materialised on demand: a DequantizeLinear whose
/// every consumer was fused into an integer kernel never runs.
/// </summary>
internal sealed partial class PlanBuilder
{
    /// <summary>Activation memory above this is refused (mutated dims, not a MobileNet).</summary>
    public const long MaxArenaBytes = 256L << 20;

    private readonly ModelGraph _g;
    private readonly IConvKernels _kernels;
    private readonly PlanOptions _options;
    private readonly WorkerPool? _pool;
    private readonly List<Operator> _ops = [];
    private readonly Dictionary<GraphValue, TensorSlot> _slots = [];
    private readonly Dictionary<GraphValue, QuantParams> _quant = [];
    private readonly HashSet<GraphNode> _done = [];

    private PlanBuilder(ModelGraph g, IConvKernels kernels, PlanOptions options, WorkerPool? pool)
    {
        _g = g;
        _kernels = kernels;
        _options = options;
        _pool = pool;
    }

    public static ExecutionPlan Build(ModelGraph g, IConvKernels kernels) => Build(g, kernels, PlanOptions.Default);

    /// <summary>Plans the graph; with a <paramref name="pool"/> of several threads, convolutions are split across it
    /// (the plan then owns the pool and disposes it).</summary>
    public static ExecutionPlan Build(ModelGraph g, IConvKernels kernels, PlanOptions options, WorkerPool? pool = null) =>
        new PlanBuilder(g, kernels, options, pool).Build();

    private ExecutionPlan Build()
    {
        var inputBuffer = new float[_g.Input.ElementCount];
        var inType = _g.Input.Type switch
        {
            ElementType.Float32 => ElementType.Float32,
            ElementType.UInt8 => ElementType.UInt8,
            _ => throw _g.Error($"input '{_g.Input.Name}': element type {_g.Input.Type} is not supported (float32 or uint8)"),
        };
        var inSlot = NewSlot(_g.Input, inType);
        if (inType == ElementType.UInt8)
        {
            _quant[_g.Input] = new QuantParams(1f, 0); // raw bytes; consumers bring their own parameters
        }

        var rowMajor = TensorSlot.RowMajorStrides(inSlot.Shape);
        _ops.Add(new InputOperator(_g.Input.Name, inputBuffer, inSlot, IndexMap.Build(inSlot.Shape, inSlot.ChannelsLast, rowMajor, rowMajor.Length, Identity)));

        foreach (var node in _g.LiveNodes)
        {
            if (!_done.Contains(node))
            {
                _done.Add(node);
                Emit(node);
            }
        }

        var outSlot = Float(_g.Output);
        var outputBuffer = new float[outSlot.Length];
        _ops.Add(new OutputOperator(_g.Output.Name, outSlot, outputBuffer, IndexMap.Build(outSlot.Shape, false, outSlot.Strides, outSlot.Shape.Length, Identity)));

        FuseInputQuantize();

        // The plan without row strips is planned first: its arena is the figure the strips are measured against.
        var naiveBytes = PlanArena();
        var arenaBytes = naiveBytes;
        if (_options.Strips && FuseInvertedResiduals() > 0)
        {
            arenaBytes = PlanArena();
        }

        if (arenaBytes > MaxArenaBytes)
        {
            throw _g.Error($"activations need {arenaBytes >> 20} MiB, over the {MaxArenaBytes >> 20} MiB limit");
        }

        return new ExecutionPlan(_ops, new Arena(arenaBytes), inputBuffer, outputBuffer, _kernels.Name, _pool) { NaiveArenaBytes = naiveBytes };
    }

    /// <summary>Sets every slot's lifetime from the current operator order and assigns arena offsets.</summary>
    private long PlanArena()
    {
        var slots = _slots.Values.Concat(_ops.SelectMany(o => o.Scratch)).Distinct().ToList();
        foreach (var s in slots)
        {
            (s.FirstUse, s.LastUse, s.Offset) = (int.MaxValue, -1, -1);
        }

        for (var i = 0; i < _ops.Count; i++)
        {
            foreach (var s in _ops[i].Inputs.Append(_ops[i].Output).Concat(_ops[i].Scratch).OfType<TensorSlot>())
            {
                s.FirstUse = Math.Min(s.FirstUse, i);
                s.LastUse = Math.Max(s.LastUse, i);
            }
        }

        return ArenaPlanner.Plan(slots);
    }

    private static bool Identity(int[] o, int[] i)
    {
        o.CopyTo(i, 0);
        return true;
    }

    private TensorSlot NewSlot(GraphValue v, ElementType type)
    {
        var slot = new TensorSlot(v.Name, type, v.Shape!, v.Shape!.Length == 4);
        _slots[v] = slot;
        return slot;
    }

    /// <summary>The float slot of a value, running its pending DequantizeLinear if that is what produces it.</summary>
    private TensorSlot Float(GraphValue v)
    {
        if (_slots.TryGetValue(v, out var slot))
        {
            return slot.Type == ElementType.Float32 ? slot : throw _g.Error($"value '{v.Name}' is quantised where a float tensor is needed");
        }

        if (v.Producer is { OpType: "DequantizeLinear" } dq && !v.IsConstant && dq.Input(0) is { IsConstant: false })
        {
            _done.Add(dq);
            EmitDequantize(dq);
            return _slots[v];
        }

        throw v.IsConstant
            ? _g.Error($"constant '{v.Name}' is used where an activation is expected")
            : _g.Error($"value '{v.Name}' is not available");
    }

    /// <summary>The quantised slot of a value and its (uint8-domain) parameters.</summary>
    private (TensorSlot Slot, QuantParams Params) Quant(GraphValue v)
    {
        if (_slots.TryGetValue(v, out var slot) && slot.Type == ElementType.UInt8)
        {
            return (slot, _quant[v]);
        }

        throw _g.Error($"value '{v.Name}' is not an available quantised tensor");
    }

    private TensorSlot Any(GraphValue v) =>
        _slots.TryGetValue(v, out var s) ? s : Float(v);

    /// <summary>Zero-point shift into the uint8 domain: int8 tensors are stored as value + 128.</summary>
    private static int Shift(ElementType t) => t == ElementType.Int8 ? 128 : 0;

    /// <summary>Per-tensor quantisation parameters from a (scale, zero point) input pair.</summary>
    private QuantParams Scalar(GraphNode node, int scaleIndex, int zeroIndex, ElementType dataType)
    {
        var scale = ShapeInference.ConstantInput(_g, node, scaleIndex, "scale").AsFloats();
        var zp = node.Input(zeroIndex)?.Constant;
        if (scale.Length != 1 || (zp is not null && zp.Length != 1))
        {
            throw _g.Error(node, "per-axis parameters are not supported for this activation");
        }

        if (!(scale[0] > 0) || float.IsInfinity(scale[0]))
        {
            throw _g.Error(node, $"scale {scale[0]} is not a positive finite number");
        }

        var type = zp?.Type ?? dataType;
        var z = zp is null ? 0 : zp.AsInts()[0];
        return new QuantParams(scale[0], z + Shift(type));
    }

    private void Emit(GraphNode node)
    {
        var op = node.Domain.Length == 0 ? node.OpType : $"{node.Domain}.{node.OpType}";
        switch (op)
        {
            case "Conv":
                if (!TryFuseQdqConv(node))
                {
                    EmitFloatConv(node);
                }

                break;
            case "QLinearConv":
                EmitQLinearConv(node);
                break;
            case "Gemm" or "MatMul":
                if (!TryFuseQdqGemm(node))
                {
                    EmitFloatGemm(node);
                }

                break;
            case "QLinearMatMul":
                EmitQLinearMatMul(node);
                break;
            case "BatchNormalization":
                EmitBatchNorm(node);
                break;
            case "Relu" or "Clip":
            {
                var (lo, hi) = ClampRange(node);
                _ops.Add(new UnaryOperator(node.Name(), UnaryKind.Clip, lo, hi, Float(node.Input(0)!), NewSlot(node.Output, ElementType.Float32)));
                break;
            }

            case "Sigmoid":
                if (!TryFuseQdqLookup(node))
                {
                    _ops.Add(new UnaryOperator(node.Name(), UnaryKind.Sigmoid, 0, 0, Float(node.Input(0)!), NewSlot(node.Output, ElementType.Float32)));
                }

                break;
            case "HardSigmoid":
                if (!TryFuseQdqActivationTable(node, UnaryKind.HardSigmoid, node.Source.GetFloat("alpha", 0.2f), node.Source.GetFloat("beta", 0.5f)))
                {
                    _ops.Add(new UnaryOperator(node.Name(), UnaryKind.HardSigmoid, node.Source.GetFloat("alpha", 0.2f), node.Source.GetFloat("beta", 0.5f), Float(node.Input(0)!), NewSlot(node.Output, ElementType.Float32)));
                }

                break;
            case "HardSwish":
                if (!TryFuseQdqActivationTable(node, UnaryKind.HardSwish, 0, 0))
                {
                    _ops.Add(new UnaryOperator(node.Name(), UnaryKind.HardSwish, 0, 0, Float(node.Input(0)!), NewSlot(node.Output, ElementType.Float32)));
                }

                break;
            case "Add" or "Sub" or "Mul" or "Div":
                if (!TryFuseQdqBinary(node))
                {
                    EmitFloatBinary(node);
                }

                break;
            case "com.microsoft.QLinearAdd" or "com.microsoft.QLinearMul":
                EmitQLinearBinary(node);
                break;
            case "GlobalAveragePool" or "ReduceMean":
                if (!TryFuseQdqGlobalPool(node))
                {
                    EmitGlobalPool(node);
                }

                break;
            case "com.microsoft.QLinearGlobalAveragePool":
                EmitQLinearGlobalPool(node);
                break;
            case "com.microsoft.QLinearSigmoid":
                EmitQLinearSigmoid(node);
                break;
            case "AveragePool":
                EmitAveragePool(node);
                break;
            case "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze" or "Transpose" or "Pad":
                EmitDataMovement(node);
                break;
            case "Softmax":
                EmitSoftmax(node);
                break;
            case "QuantizeLinear":
                EmitQuantize(node);
                break;
            case "DequantizeLinear":
                // Run on demand (Float), or never when every consumer was fused into an integer kernel.
                _done.Remove(node);
                break;
            case "Identity" or "Dropout":
            {
                var src = node.Input(0)!;
                _slots[node.Output] = Any(src);
                if (_quant.TryGetValue(src, out var q))
                {
                    _quant[node.Output] = q;
                }

                break;
            }

            default:
                throw _g.Error(node, $"operator {op} is not supported by the managed engine");
        }
    }
}

internal static class GraphNodeNames
{
    public static string Name(this GraphNode node) => node.Source.Name.Length > 0 ? node.Source.Name : node.Output.Name;
}
