using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Loading;
using EdgeMobileNet.Inference.Engines.Managed.Operators;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>Elementwise, pooling, quantisation and data-movement operators.</summary>
internal sealed partial class PlanBuilder
{
    private void EmitFloatBinary(GraphNode node)
    {
        var kind = node.OpType switch
        {
            "Add" => BinaryKind.Add,
            "Sub" => BinaryKind.Sub,
            "Mul" => BinaryKind.Mul,
            _ => BinaryKind.Div,
        };
        var (a, ca, sa, sta) = FloatOperand(node, 0);
        var (b, cb, sb, stb) = FloatOperand(node, 1);
        var output = NewSlot(node.Output, ElementType.Float32);
        _ops.Add(new BinaryOperator(node.Name(), kind, a, ca, b, cb, Broadcast.Create(output, sa, sta, sb, stb), output));
    }

    private (TensorSlot? Slot, float[]? Const, int[] Shape, int[] Strides) FloatOperand(GraphNode node, int index)
    {
        var v = node.Input(index) ?? throw _g.Error(node, $"input {index} is missing");
        if (ConstFloat(v) is { } c)
        {
            return (null, c, v.Shape!, TensorSlot.RowMajorStrides(v.Shape!));
        }

        var slot = Float(v);
        return (slot, null, slot.Shape, slot.Strides);
    }

    private (TensorSlot? Slot, byte[]? Const, int[] Shape, int[] Strides) QuantOperand(GraphNode node, GraphValue v)
    {
        if (v.Constant is { Ints: { } ints } c && c.Type.IsQuantized())
        {
            var shift = Shift(c.Type);
            return (null, ints.Select(i => (byte)(i + shift)).ToArray(), v.Shape!, TensorSlot.RowMajorStrides(v.Shape!));
        }

        if (v.IsConstant)
        {
            throw _g.Error(node, $"constant '{v.Name}' is not a uint8/int8 tensor");
        }

        var (slot, _) = Quant(v);
        return (slot, null, slot.Shape, slot.Strides);
    }

    private void EmitQLinearBinary(GraphNode node)
    {
        var av = node.Input(0)!;
        var bv = node.Input(3) ?? throw _g.Error(node, "input B is missing");
        var pa = Scalar(node, 1, 2, av.Type);
        var pb = Scalar(node, 4, 5, bv.Type);
        var pc = Scalar(node, 6, 7, node.Output.Type);
        EmitQuantBinary(node, node.Name(), node.OpType == "QLinearMul", av, pa, bv, pb, pc, node.Output);
    }

    private void EmitQuantBinary(GraphNode node, string name, bool multiply, GraphValue av, QuantParams pa, GraphValue bv, QuantParams pb, QuantParams pc, GraphValue y)
    {
        var (a, ca, sa, sta) = QuantOperand(node, av);
        var (b, cb, sb, stb) = QuantOperand(node, bv);
        var output = NewSlot(y, ElementType.UInt8);
        _quant[y] = pc;
        _ops.Add(new QBinaryOperator(name, multiply, a, ca, pa, b, cb, pb, pc, Broadcast.Create(output, sa, sta, sb, stb), output, signedValues: y.Type == ElementType.Int8, kernels: _kernels.Elementwise));
    }

    /// <summary>DQ(a), DQ(b) -> Add/Mul -> Q as one quantised op (ONNX Runtime's QLinearAdd/QLinearMul).</summary>
    private bool TryFuseQdqBinary(GraphNode node)
    {
        if (node.OpType is not ("Add" or "Mul") || node.Inputs.Length != 2
            || node.Input(0)?.Producer is not { OpType: "DequantizeLinear" } dqa || node.Input(1)?.Producer is not { OpType: "DequantizeLinear" } dqb
            || SoleConsumer(node.Output) is not { OpType: "QuantizeLinear" } q)
        {
            return false;
        }

        var aq = dqa.Input(0)!;
        var bq = dqb.Input(0)!;
        if (!QdqFusionRule.ElementwiseFused(QdqFusionRule.EffectiveType(aq), QdqFusionRule.EffectiveType(bq), QdqFusionRule.EffectiveType(q.Output))
            || (!aq.IsConstant && !_slots.ContainsKey(aq)) || (!bq.IsConstant && !_slots.ContainsKey(bq)))
        {
            return false;
        }

        var names = new List<string> { node.Name() };
        Fuse(q, names);
        EmitQuantBinary(node, string.Join("+", names), node.OpType == "Mul", aq, Scalar(dqa, 1, 2, aq.Type), bq, Scalar(dqb, 1, 2, bq.Type), Scalar(q, 1, 2, ElementType.UInt8), q.Output);
        return true;
    }

    /// <summary>The spatial extent of a global average (GlobalAveragePool, or ReduceMean over H and W of a 4-D tensor).</summary>
    private (int Pixels, int Channels) GlobalPoolExtent(GraphNode node)
    {
        var x = node.Input(0)!;
        if (x.Shape!.Length != 4 || x.Shape[0] != 1)
        {
            throw _g.Error(node, "only a 4-D single-image input is supported");
        }

        if (node.OpType == "ReduceMean")
        {
            var axes = ShapeInference.Axes(_g, node, 4) ?? [0, 1, 2, 3];
            if (axes.Length != 2 || !axes.Contains(2) || !axes.Contains(3))
            {
                throw _g.Error(node, $"axes [{string.Join(",", axes)}] are not supported (only the spatial axes 2 and 3)");
            }
        }

        return (x.Shape[2] * x.Shape[3], x.Shape[1]);
    }

    private void EmitGlobalPool(GraphNode node)
    {
        var (pixels, channels) = GlobalPoolExtent(node);
        var input = Float(node.Input(0)!);
        _ops.Add(new GlobalAveragePoolOperator(node.Name(), pixels, channels, input, NewSlot(node.Output, ElementType.Float32), mlasOrder: node.OpType == "GlobalAveragePool"));
    }

    private void EmitQLinearGlobalPool(GraphNode node)
    {
        var (pixels, channels) = GlobalPoolExtent(node);
        var x = node.Input(0)!;
        EmitQuantGlobalPool(node, node.Name(), x, Scalar(node, 1, 2, x.Type), Scalar(node, 3, 4, node.Output.Type), pixels, channels, node.Output);
    }

    private void EmitQuantGlobalPool(GraphNode node, string name, GraphValue x, QuantParams px, QuantParams py, int pixels, int channels, GraphValue y)
    {
        var scale = px.Scale / (py.Scale * pixels);
        if (!(scale >= 1f / (1L << 32)) || scale >= 256f)
        {
            throw _g.Error(node, $"scale ratio {scale} is outside the supported range");
        }

        var (input, _) = Quant(x);
        var output = NewSlot(y, ElementType.UInt8);
        _quant[y] = py;
        _ops.Add(new QGlobalAveragePoolOperator(name, pixels, channels, px, py, input, output));
    }

    private bool TryFuseQdqGlobalPool(GraphNode node)
    {
        if (node.OpType != "GlobalAveragePool" || node.Input(0)?.Producer is not { OpType: "DequantizeLinear" } dq
            || dq.Input(0) is not { IsConstant: false } xq || SoleConsumer(node.Output) is not { OpType: "QuantizeLinear" } q
            || !QdqFusionRule.ElementwiseFused(QdqFusionRule.EffectiveType(xq), QdqFusionRule.EffectiveType(q.Output), QdqFusionRule.EffectiveType(xq)))
        {
            return false;
        }

        var (pixels, channels) = GlobalPoolExtent(node);
        var names = new List<string> { node.Name() };
        Fuse(q, names);
        EmitQuantGlobalPool(node, string.Join("+", names), xq, Scalar(dq, 1, 2, xq.Type), Scalar(q, 1, 2, ElementType.UInt8), pixels, channels, q.Output);
        return true;
    }

    private void EmitAveragePool(GraphNode node)
    {
        var x = node.Input(0)!;
        var k = node.Source.GetInts("kernel_shape")!;
        var a = ConvAttributes.Read(_g, node, x.Shape![2], x.Shape[3], (int)k[0], (int)k[1]);
        var y = node.Output.Shape!;
        var shape = new ConvShape(x.Shape[2], x.Shape[3], x.Shape[1], y[2], y[3], y[1], a.KH, a.KW, a.StrideH, a.StrideW, a.PadTop, a.PadLeft, 1, 1, x.Shape[1]);
        var input = Float(x);
        _ops.Add(new AveragePoolOperator(node.Name(), shape, node.Source.GetInt("count_include_pad", 0) != 0, input, NewSlot(node.Output, ElementType.Float32)));
    }

    private void EmitSoftmax(GraphNode node)
    {
        var x = node.Input(0)!;
        var rank = x.Shape!.Length;
        var axis = (int)node.Source.GetInt("axis", _g.Opset >= 13 ? -1 : 1);
        axis = axis < 0 ? axis + rank : axis;
        // Before opset 13 Softmax flattens from the axis; from 13 it is one axis. Both are the same on the last axis.
        var trailing = 1;
        for (var d = axis + 1; d < rank; d++)
        {
            trailing *= x.Shape[d];
        }

        if (axis < 0 || axis >= rank || (_g.Opset >= 13 && trailing != 1))
        {
            throw _g.Error(node, $"axis {axis} is not supported (only the last axis)");
        }

        var input = Float(x);
        if (input.ChannelsLast)
        {
            throw _g.Error(node, "Softmax over a 4-D tensor is not supported");
        }

        var row = x.Shape[axis] * trailing;
        _ops.Add(new SoftmaxOperator(node.Name(), row, input, NewSlot(node.Output, ElementType.Float32)));
    }

    private void EmitQuantize(GraphNode node)
    {
        var x = node.Input(0)!;
        var input = Float(x);
        var scales = ShapeInference.ConstantInput(_g, node, 1, "y_scale").AsFloats();
        var zpTensor = node.Input(2)?.Constant;
        var type = zpTensor?.Type ?? ElementType.UInt8;
        if (!type.IsQuantized())
        {
            throw _g.Error(node, $"output type {type} is not supported (uint8 or int8)");
        }

        var zps = (zpTensor?.AsInts() ?? new int[scales.Length]).Select(z => z + Shift(type)).ToArray();
        var output = NewSlot(node.Output, ElementType.UInt8);
        var p = AxisFor(node, output, scales, zps);
        if (scales.Any(s => !(s > 0) || float.IsInfinity(s)))
        {
            throw _g.Error(node, "scales must be positive finite numbers");
        }

        if (scales.Length == 1)
        {
            _quant[node.Output] = new QuantParams(scales[0], zps[0]);
        }

        _ops.Add(new QuantizeOperator(node.Name(), p, 0, 255, input, output, _kernels.Elementwise));
    }

    private AxisParams AxisFor(GraphNode node, TensorSlot slot, float[] scales, int[] zps)
    {
        if (scales.Length != zps.Length)
        {
            throw _g.Error(node, $"{scales.Length} scales but {zps.Length} zero points");
        }

        var rank = slot.Shape.Length;
        var axis = (int)node.Source.GetInt("axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (scales.Length > 1 && (axis < 0 || axis >= rank || slot.Shape[axis] != scales.Length))
        {
            throw _g.Error(node, $"{scales.Length} scales do not fit axis {axis} of [{string.Join(",", slot.Shape)}]");
        }

        return AxisParams.For(slot, axis, scales, zps);
    }

    private void EmitDequantize(GraphNode node)
    {
        var x = node.Input(0)!;
        var (input, _) = Quant(x);
        var scales = ShapeInference.ConstantInput(_g, node, 1, "x_scale").AsFloats();
        var zps = (node.Input(2)?.Constant?.AsInts() ?? new int[scales.Length]).Select(z => z + Shift(x.Type)).ToArray();
        var output = NewSlot(node.Output, ElementType.Float32);
        _ops.Add(new DequantizeOperator(node.Name(), AxisFor(node, output, scales, zps), input, output));
    }

    /// <summary>DQ -> Sigmoid -> Q as a 256-entry table, as ONNX Runtime's QLinearSigmoid.</summary>
    private bool TryFuseQdqLookup(GraphNode node)
    {
        if (node.Input(0)?.Producer is not { OpType: "DequantizeLinear" } dq || dq.Input(0) is not { IsConstant: false } xq
            || SoleConsumer(node.Output) is not { OpType: "QuantizeLinear" } q
            || !QdqFusionRule.ElementwiseFused(QdqFusionRule.EffectiveType(xq), QdqFusionRule.EffectiveType(q.Output), QdqFusionRule.EffectiveType(xq)))
        {
            return false;
        }

        var names = new List<string> { node.Name() };
        Fuse(q, names);
        EmitSigmoidTable(string.Join("+", names), xq, Scalar(dq, 1, 2, xq.Type), Scalar(q, 1, 2, ElementType.UInt8), q.Output);
        return true;
    }

    /// <summary>
    /// DQ -> HardSwish/HardSigmoid -> Q as a 256-entry table. ONNX Runtime runs these groups in float, but the result
    /// is a function of the input byte alone, so a table of <see cref="UnaryOperator.Evaluate"/> between
    /// <see cref="Requantization.Dequantize"/> and <see cref="Requantization.Quantize"/> (the float path's own steps)
    /// gives the same bytes without the float tensors. Needs per-tensor parameters and the activation's output read
    /// only by the QuantizeLinear; the DequantizeLinear still runs if anything else reads its float output.
    /// </summary>
    private bool TryFuseQdqActivationTable(GraphNode node, UnaryKind kind, float p0, float p1)
    {
        if (node.Input(0)?.Producer is not { OpType: "DequantizeLinear" } dq || dq.Input(0) is not { IsConstant: false } xq
            || SoleConsumer(node.Output) is not { OpType: "QuantizeLinear" } q
            || !PerTensor(dq, 1, 2) || !PerTensor(q, 1, 2) || !_slots.ContainsKey(xq) || !_quant.ContainsKey(xq))
        {
            return false;
        }

        var px = Scalar(dq, 1, 2, xq.Type);
        var py = Scalar(q, 1, 2, ElementType.UInt8);
        var table = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            var v = UnaryOperator.Evaluate(kind, p0, p1, Requantization.Dequantize(i, px.Scale, px.ZeroPoint));
            table[i] = Requantization.Quantize(v, py.Scale, py.ZeroPoint, 0, 255);
        }

        var names = new List<string> { node.Name() };
        Fuse(q, names);
        var (input, _) = Quant(xq);
        var output = NewSlot(q.Output, ElementType.UInt8);
        _quant[q.Output] = py;
        _ops.Add(new LookupOperator(string.Join("+", names), table, input, output, _kernels.Elementwise));
        return true;
    }

    /// <summary>A (scale, zero point) input pair holding one constant value each.</summary>
    private static bool PerTensor(GraphNode node, int scaleIndex, int zeroIndex) =>
        node.Input(scaleIndex)?.Constant is { Length: 1 } && node.Input(zeroIndex)?.Constant is null or { Length: 1 };

    private void EmitQLinearSigmoid(GraphNode node)
    {
        var x = node.Input(0)!;
        EmitSigmoidTable(node.Name(), x, Scalar(node, 1, 2, x.Type), Scalar(node, 3, 4, node.Output.Type), node.Output);
    }

    private void EmitSigmoidTable(string name, GraphValue x, QuantParams px, QuantParams py, GraphValue y)
    {
        var table = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            var v = Requantization.Dequantize(i, px.Scale, px.ZeroPoint);
            table[i] = Requantization.Quantize(1f / (1f + MathF.Exp(-v)), py.Scale, py.ZeroPoint, 0, 255);
        }

        var (input, _) = Quant(x);
        var output = NewSlot(y, ElementType.UInt8);
        _quant[y] = py;
        _ops.Add(new LookupOperator(name, table, input, output, _kernels.Elementwise));
    }

    private void EmitDataMovement(GraphNode node)
    {
        var x = node.Input(0)!;
        var input = Any(x);
        var output = NewSlot(node.Output, input.Type);
        if (_quant.TryGetValue(x, out var q))
        {
            _quant[node.Output] = q;
        }

        var outShape = output.Shape;
        int[] map;
        float padValue = 0;
        byte padByte = 0;
        switch (node.OpType)
        {
            case "Transpose":
            {
                var perm = ShapeInference.Permutation(_g, node, input.Shape.Length);
                map = IndexMap.Build(outShape, output.ChannelsLast, input.Strides, input.Shape.Length, (o, i) =>
                {
                    for (var d = 0; d < perm.Length; d++)
                    {
                        i[perm[d]] = o[d];
                    }

                    return true;
                });
                break;
            }

            case "Pad":
            {
                var rank = input.Shape.Length;
                var pads = ShapeInference.PadAmounts(_g, node, rank);
                if (input.Type == ElementType.Float32)
                {
                    padValue = node.Input(2) is { } cv ? ScalarFloat(node, cv, "constant_value") : node.Source.GetFloat("value", 0f);
                }
                else
                {
                    // Padding quantised data (Keras-style explicit Pad before a strided depthwise conv): the pad
                    // value is an integer of the tensor's own type, normally its zero point.
                    var c = node.Input(2)?.Constant;
                    if (c is { Ints: { Length: 1 } pv } && c.Type == x.Type)
                    {
                        padByte = (byte)(pv[0] + Shift(c.Type));
                    }
                    else if (c is not null)
                    {
                        throw _g.Error(node, $"constant_value of a {x.Type} Pad must be a {x.Type} scalar");
                    }
                }

                var inShape = input.Shape;
                map = IndexMap.Build(outShape, output.ChannelsLast, input.Strides, rank, (o, i) =>
                {
                    for (var d = 0; d < rank; d++)
                    {
                        i[d] = o[d] - (int)pads[d];
                        if ((uint)i[d] >= (uint)inShape[d])
                        {
                            return false;
                        }
                    }

                    return true;
                });
                break;
            }

            default:
                map = IndexMap.Reshape(outShape, output.ChannelsLast, input.Shape, input.Strides);
                break;
        }

        _ops.Add(new GatherOperator(node.Name(), input, output, map, padValue, padByte));
    }
}
