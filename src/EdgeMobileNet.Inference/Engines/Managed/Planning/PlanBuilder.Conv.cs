using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Loading;
using EdgeMobileNet.Inference.Engines.Managed.Operators;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>Convolutions and fully connected layers, float and integer, with their fusions.</summary>
internal sealed partial class PlanBuilder
{
    private ConvShape Shape(GraphNode node, int[] x, int[] w, int[] y)
    {
        var a = ConvAttributes.Read(_g, node, x[2], x[3], w[2], w[3]);
        return new ConvShape(x[2], x[3], x[1], y[2], y[3], y[1], w[2], w[3], a.StrideH, a.StrideW, a.PadTop, a.PadLeft, a.DilationH, a.DilationW, a.Group);
    }

    /// <summary>The single consumer of a value, if it has exactly one and is not the graph output.</summary>
    private static GraphNode? SoleConsumer(GraphValue v) =>
        v.Consumers.Count == 1 && !v.IsGraphOutput && !v.Consumers[0].Removed ? v.Consumers[0] : null;

    /// <summary>Float clamp bounds of a Relu or Clip (min/max as attributes before opset 11, inputs after).</summary>
    private (float Lo, float Hi) ClampRange(GraphNode node)
    {
        if (node.OpType == "Relu")
        {
            return (0f, float.PositiveInfinity);
        }

        var lo = node.Source.GetFloat("min", float.NegativeInfinity);
        var hi = node.Source.GetFloat("max", float.PositiveInfinity);
        if (node.Input(1) is { } min)
        {
            lo = ScalarFloat(node, min, "min");
        }

        if (node.Input(2) is { } max)
        {
            hi = ScalarFloat(node, max, "max");
        }

        return (lo, hi);
    }

    private float ScalarFloat(GraphNode node, GraphValue v, string what) =>
        ConstFloat(v) is { Length: 1 } f ? f[0] : throw _g.Error(node, $"{what} must be a constant scalar");

    /// <summary>A Relu/Clip with constant bounds directly after <paramref name="v"/>, foldable into a clamp.</summary>
    private GraphNode? FoldableActivation(GraphValue v)
    {
        if (SoleConsumer(v) is { Domain: "", OpType: "Relu" or "Clip" } act && act.Inputs.Skip(1).All(i => i is null || ConstFloat(i) is { Length: 1 }))
        {
            return act;
        }

        return null;
    }

    private void EmitFloatConv(GraphNode node)
    {
        var x = node.Input(0)!;
        var wv = node.Input(1)!;
        var w = ConstFloat(wv) ?? throw _g.Error(node, $"weights '{wv.Name}' are not constant");
        var m = wv.Shape![0];
        var bias = ConstFloat(node.Input(2)) ?? new float[m];
        if (bias.Length != m)
        {
            throw _g.Error(node, $"bias has {bias.Length} values for {m} output channels");
        }

        w = (float[])w.Clone();
        bias = (float[])bias.Clone();
        var shape = Shape(node, x.Shape!, wv.Shape, node.Output.Shape!);
        var names = new List<string> { node.Name() };
        var last = node.Output;

        // BatchNormalization right after the conv: scale the weights and shift the bias.
        if (SoleConsumer(last) is { Domain: "", OpType: "BatchNormalization" } bn && bn.Inputs.Skip(1).Take(4).All(i => ConstFloat(i) is not null))
        {
            var (scale, shift) = BatchNormAffine(bn);
            var per = w.Length / m;
            for (var o = 0; o < m; o++)
            {
                for (var i = 0; i < per; i++)
                {
                    w[(o * per) + i] *= scale[o];
                }

                bias[o] = (bias[o] * scale[o]) + shift[o];
            }

            Fuse(bn, names);
            last = bn.Output;
        }

        var (lo, hi) = (float.NegativeInfinity, float.PositiveInfinity);
        if (FoldableActivation(last) is { } act)
        {
            (lo, hi) = ClampRange(act);
            Fuse(act, names);
            last = act.Output;
        }

        var residual = ResidualFor(last);
        if (residual is not null)
        {
            var add = SoleConsumer(last)!;
            Fuse(add, names);
            last = add.Output;
        }

        // A DQ -> Conv -> Q group ONNX Runtime keeps in float is rounded to integers right after, so follow its
        // summation order exactly: SGEMM's for the pointwise case, im2col + SGEMM's for any other (the depthwise conv
        // of a squeeze-excite block whose int8 output is read twice, see MlasConvOrder).
        var qdqGroup = x.Producer?.OpType == "DequantizeLinear" && residual is null;
        var mlasOrder = qdqGroup && IsPointwise(shape)
            ? ConvOperator.MlasStrideK(shape.OutH * shape.OutW, shape.InC)
            : 0;
        var packed = PackConv(w, m, wv.Shape[1], wv.Shape[2], wv.Shape[3]);
        _ops.Add(new ConvOperator(string.Join("+", names), _kernels, shape, packed, bias, lo, hi, Float(x), residual, NewSlot(last, ElementType.Float32), mlasOrder, pool: _pool, mlasConvOrder: qdqGroup && !IsPointwise(shape)));
    }

    private static bool IsPointwise(ConvShape s) =>
        s.KH == 1 && s.KW == 1 && s.StrideH == 1 && s.StrideW == 1 && s.PadTop == 0 && s.PadLeft == 0 && s.Groups == 1
        && s.OutH == s.InH && s.OutW == s.InW;

    /// <summary>
    /// The other operand of an Add that only consumes <paramref name="v"/>, when it can be added in the conv epilogue:
    /// same shape, and already computed (the conv runs before anything later in the graph).
    /// </summary>
    private TensorSlot? ResidualFor(GraphValue v)
    {
        if (SoleConsumer(v) is not { Domain: "", OpType: "Add" } add || add.Inputs.Length != 2)
        {
            return null;
        }

        var other = add.Input(0) == v ? add.Input(1) : add.Input(0);
        if (other is null || other == v || other.IsConstant || !other.Shape!.SequenceEqual(v.Shape!) || !add.Output.Shape!.SequenceEqual(v.Shape!))
        {
            return null;
        }

        return _slots.TryGetValue(other, out var slot) && slot.Type == ElementType.Float32 ? slot : null;
    }

    private void Fuse(GraphNode node, List<string> names)
    {
        _done.Add(node);
        names.Add(node.Name());
    }

    private (float[] Scale, float[] Shift) BatchNormAffine(GraphNode bn)
    {
        var gamma = ConstFloat(bn.Input(1))!;
        var beta = ConstFloat(bn.Input(2))!;
        var mean = ConstFloat(bn.Input(3))!;
        var variance = ConstFloat(bn.Input(4))!;
        var eps = bn.Source.GetFloat("epsilon", 1e-5f);
        var n = gamma.Length;
        if (beta.Length != n || mean.Length != n || variance.Length != n)
        {
            throw _g.Error(bn, "scale, bias, mean and variance differ in length");
        }

        var scale = new float[n];
        var shift = new float[n];
        for (var c = 0; c < n; c++)
        {
            scale[c] = gamma[c] / MathF.Sqrt(variance[c] + eps);
            shift[c] = beta[c] - (mean[c] * scale[c]);
        }

        return (scale, shift);
    }

    private void EmitBatchNorm(GraphNode node)
    {
        var x = node.Input(0)!;
        if (node.Inputs.Skip(1).Take(4).Any(i => ConstFloat(i) is null))
        {
            throw _g.Error(node, "scale, bias, mean and variance must be constant");
        }

        var (scale, shift) = BatchNormAffine(node);
        if (x.Shape!.Length < 2 || x.Shape[1] != scale.Length)
        {
            throw _g.Error(node, $"{scale.Length} channels do not match input [{string.Join(",", x.Shape)}]");
        }

        var input = Float(x);
        var output = NewSlot(node.Output, ElementType.Float32);
        _ops.Add(new ChannelAffineOperator(node.Name(), AxisParams.For(output, 1, scale, new int[scale.Length]), shift, input, output));
    }

    /// <summary>DQ -> Conv [-> Relu/Clip] -> Q as one integer convolution, when ONNX Runtime would fuse it too.</summary>
    private bool TryFuseQdqConv(GraphNode node)
    {
        if (node.Input(0)?.Producer is not { OpType: "DequantizeLinear" } dqx || dqx.Input(0) is not { IsConstant: false } xq
            || node.Input(1) is not { } wv || QuantConst(wv) is not { } wq)
        {
            return false;
        }

        int[]? bias = null;
        if (node.Input(2) is { } bv)
        {
            if (bv.Producer is not { OpType: "DequantizeLinear" } dqb || dqb.Input(0)?.Constant is not { Type: ElementType.Int32 } bc)
            {
                return false;
            }

            bias = bc.AsInts();
        }

        var last = node.Output;
        var act = FoldableActivation(last);
        if (act is not null)
        {
            last = act.Output;
        }

        if (SoleConsumer(last) is not { OpType: "QuantizeLinear" } q || !QdqFusionRule.ConvFused(QdqFusionRule.EffectiveType(xq), QdqFusionRule.EffectiveType(q.Output)))
        {
            return false;
        }

        var m = wv.Shape![0];
        var xp = Scalar(dqx, 1, 2, xq.Type);
        var yp = Scalar(q, 1, 2, ElementType.UInt8);
        var names = new List<string> { node.Name() };
        var (lo, hi) = (float.NegativeInfinity, float.PositiveInfinity);
        if (act is not null)
        {
            (lo, hi) = ClampRange(act);
            Fuse(act, names);
        }

        Fuse(q, names);
        EmitQuantConv(node, string.Join("+", names), xq, xp, wq, bias ?? new int[m], yp, lo, hi, q.Output);
        return true;
    }

    private void EmitQLinearConv(GraphNode node)
    {
        var x = node.Input(0)!;
        var xp = Scalar(node, 1, 2, x.Type);
        var wq = DirectWeights(node, 3, 4, 5, 0);
        var yp = Scalar(node, 6, 7, node.Output.Type);
        var m = wq.Shape[0];
        var bias = node.Input(8)?.Constant?.AsInts() ?? new int[m];
        var names = new List<string> { node.Name() };
        EmitQuantConv(node, string.Join("+", names), x, xp, wq, bias, yp, float.NegativeInfinity, float.PositiveInfinity, node.Output);
    }

    private void EmitQuantConv(GraphNode node, string name, GraphValue x, QuantParams xp, QuantWeights wq, int[] bias, QuantParams yp, float lo, float hi, GraphValue y)
    {
        var m = wq.Shape[0];
        if (bias.Length != m)
        {
            throw _g.Error(node, $"bias has {bias.Length} values for {m} output channels");
        }

        var scales = Expand(wq.Scales, m).Select(ws => Requantization.CombinedScale(xp.Scale, ws, yp.Scale)).ToArray();
        var (min, max) = QuantClamp(yp, lo, hi);
        var (input, _) = Quant(x);
        var shape = Shape(node, x.Shape!, wq.Shape, y.Shape!);
        var output = NewSlot(y, ElementType.UInt8);
        _quant[y] = yp;
        var packed = PackQuantConv(node, wq);
        var op = new QConvOperator(name, _kernels, shape, packed, bias, scales, xp.ZeroPoint, yp.ZeroPoint, min, max, input, output, _pool);
        _quantConvs[op] = new QuantConvParameters(shape, packed, bias, scales, xp.ZeroPoint, yp.ZeroPoint, min, max);
        _ops.Add(op);
    }

    /// <summary>A float clamp folded into the requantisation bounds: quantising is monotonic, so Q(clamp(v)) equals
    /// clamp(Q(v)) to the quantised bounds.</summary>
    private static (int Min, int Max) QuantClamp(QuantParams yp, float lo, float hi)
    {
        var min = float.IsNegativeInfinity(lo) ? 0 : Requantization.Quantize(lo, yp.Scale, yp.ZeroPoint, 0, 255);
        var max = float.IsPositiveInfinity(hi) ? 255 : Requantization.Quantize(hi, yp.Scale, yp.ZeroPoint, 0, 255);
        return (min, Math.Max(min, max));
    }

    /// <summary>Gemm (transA=0) and MatMul with a constant B as a 1x1 convolution; a following bias Add is folded.</summary>
    private void EmitFloatGemm(GraphNode node)
    {
        var a = node.Input(0)!;
        var bv = node.Input(1)!;
        var b = ConstFloat(bv) ?? throw _g.Error(node, $"B '{bv.Name}' must be constant");
        var isGemm = node.OpType == "Gemm";
        if (isGemm && node.Source.GetInt("transA", 0) != 0)
        {
            throw _g.Error(node, "transA=1 is not supported");
        }

        var transB = isGemm && node.Source.GetInt("transB", 0) != 0;
        var alpha = isGemm ? node.Source.GetFloat("alpha", 1f) : 1f;
        var beta = isGemm ? node.Source.GetFloat("beta", 1f) : 1f;
        var (k, n) = transB ? (bv.Shape![1], bv.Shape[0]) : (bv.Shape![0], bv.Shape[1]);
        var m = (int)(a.ElementCount / k);
        var packed = new float[k * n];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < n; j++)
            {
                packed[(i * n) + j] = alpha * (transB ? b[(j * k) + i] : b[(i * n) + j]);
            }
        }

        var names = new List<string> { node.Name() };
        var bias = new float[n];
        var last = node.Output;
        if (isGemm && node.Input(2) is { } cv)
        {
            AddBias(node, bias, ConstFloat(cv) ?? throw _g.Error(node, "C must be constant"), beta);
        }
        else if (!isGemm && SoleConsumer(last) is { Domain: "", OpType: "Add" } add
                 && (add.Input(0) == last ? add.Input(1) : add.Input(0)) is { } other && ConstFloat(other) is { } c
                 && (c.Length == n || c.Length == 1) && add.Output.Shape!.SequenceEqual(last.Shape!))
        {
            AddBias(add, bias, c, 1f);
            Fuse(add, names);
            last = add.Output;
        }

        var (lo, hi) = (float.NegativeInfinity, float.PositiveInfinity);
        if (FoldableActivation(last) is { } act)
        {
            (lo, hi) = ClampRange(act);
            Fuse(act, names);
            last = act.Output;
        }

        var input = Float(a);
        if (input.ChannelsLast)
        {
            throw _g.Error(node, "a 4-D input is not supported; flatten it first");
        }

        // Rounded to integers right after (a QDQ head ORT keeps in float): follow MLAS's order on prepacked weights.
        var toQuantize = SoleConsumer(last) is { OpType: "QuantizeLinear" } && alpha == 1f;
        _ops.Add(new ConvOperator(
            string.Join("+", names),
            _kernels,
            ConvShape.FullyConnected(m, k, n),
            packed,
            bias,
            lo,
            hi,
            input,
            null,
            NewSlot(last, ElementType.Float32),
            toQuantize ? ConvOperator.MlasPackedStrideK : 0,
            toQuantize && isGemm && node.Input(2) is not null,
            _pool));
    }

    private void AddBias(GraphNode node, float[] bias, float[] c, float beta)
    {
        if (c.Length != bias.Length && c.Length != 1)
        {
            throw _g.Error(node, $"bias of {c.Length} values does not broadcast over {bias.Length} outputs");
        }

        for (var j = 0; j < bias.Length; j++)
        {
            bias[j] += beta * c[c.Length == 1 ? 0 : j];
        }
    }

    private void EmitQLinearMatMul(GraphNode node)
    {
        var a = node.Input(0)!;
        var ap = Scalar(node, 1, 2, a.Type);
        var bq = DirectWeights(node, 3, 4, 5, 1);
        var yp = Scalar(node, 6, 7, node.Output.Type);
        EmitQuantFullyConnected(node, node.Name(), a, ap, bq, false, new int[bq.Shape[1]], yp, node.Output);
    }

    /// <summary>DQ -> Gemm/MatMul -> Q with integer weights as one integer kernel (ONNX Runtime's QGemm/QLinearMatMul).</summary>
    private bool TryFuseQdqGemm(GraphNode node)
    {
        if (node.Input(0)?.Producer is not { OpType: "DequantizeLinear" } dqa || dqa.Input(0) is not { IsConstant: false } aq
            || node.Input(1) is not { } bv || QuantConst(bv) is not { } bq)
        {
            return false;
        }

        var isGemm = node.OpType == "Gemm";
        if (isGemm && (node.Source.GetInt("transA", 0) != 0 || node.Source.GetFloat("alpha", 1f) != 1f || node.Source.GetFloat("beta", 1f) != 1f))
        {
            return false;
        }

        var transB = isGemm && node.Source.GetInt("transB", 0) != 0;
        var n = transB ? bq.Shape[0] : bq.Shape[1];
        int[]? bias = null;
        if (isGemm && node.Input(2) is { } cv)
        {
            if (cv.Producer is not { OpType: "DequantizeLinear" } dqc || dqc.Input(0)?.Constant is not { Type: ElementType.Int32 } c || c.Length != n)
            {
                return false;
            }

            bias = c.AsInts();
        }

        if (SoleConsumer(node.Output) is not { OpType: "QuantizeLinear" } q
            || !QdqFusionRule.ConvFused(QdqFusionRule.EffectiveType(aq), QdqFusionRule.EffectiveType(q.Output)))
        {
            return false;
        }

        var names = new List<string> { node.Name() };
        Fuse(q, names);
        EmitQuantFullyConnected(node, string.Join("+", names), aq, Scalar(dqa, 1, 2, aq.Type), bq, transB, bias ?? new int[n], Scalar(q, 1, 2, ElementType.UInt8), q.Output);
        return true;
    }

    private void EmitQuantFullyConnected(GraphNode node, string name, GraphValue a, QuantParams ap, QuantWeights bq, bool transB, int[] bias, QuantParams yp, GraphValue y)
    {
        var (k, n) = transB ? (bq.Shape[1], bq.Shape[0]) : (bq.Shape[0], bq.Shape[1]);
        var outAxis = transB ? 0 : 1;
        if (bq.Scales.Length != 1 && (bq.Axis != outAxis || bq.Scales.Length != n))
        {
            throw _g.Error(node, "weight quantisation must be per tensor or per output column");
        }

        if (bias.Length != n)
        {
            throw _g.Error(node, $"bias has {bias.Length} values for {n} outputs");
        }

        var packed = new int[k * n];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var raw = transB ? bq.Values[(j * k) + i] : bq.Values[(i * n) + j];
                packed[(i * n) + j] = raw - bq.ZeroPoints[bq.ZeroPoints.Length == 1 ? 0 : j];
            }
        }

        var scales = Expand(bq.Scales, n).Select(bs => Requantization.CombinedScale(ap.Scale, bs, yp.Scale)).ToArray();
        var (input, _) = Quant(a);
        if (input.ChannelsLast)
        {
            throw _g.Error(node, "a 4-D input is not supported; flatten it first");
        }

        var m = (int)(a.ElementCount / k);
        var output = NewSlot(y, ElementType.UInt8);
        _quant[y] = yp;
        _ops.Add(new QConvOperator(name, _kernels, ConvShape.FullyConnected(m, k, n), packed, bias, scales, ap.ZeroPoint, yp.ZeroPoint, 0, 255, input, output, _pool));
    }
}
