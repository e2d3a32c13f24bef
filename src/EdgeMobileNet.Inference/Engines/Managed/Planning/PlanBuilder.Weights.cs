using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Loading;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>Constant operands: float constants, dequantised constants and integer weights with their parameters.</summary>
internal sealed partial class PlanBuilder
{
    /// <summary>Integer weights (raw values), per-channel zero points and scales along <paramref name="Axis"/>.</summary>
    private sealed record QuantWeights(int[] Shape, int[] Values, int[] ZeroPoints, float[] Scales, int Axis);

    /// <summary>A float constant, or the float value of DequantizeLinear(constant) computed as DequantizeLinear would.</summary>
    private float[]? ConstFloat(GraphValue? v)
    {
        if (v is null)
        {
            return null;
        }

        if (v.Constant is { } c)
        {
            return c.Type == ElementType.Float32 ? c.Floats : throw _g.Error($"constant '{v.Name}' is {c.Type}, float32 expected");
        }

        if (QuantConst(v) is { } q)
        {
            var result = new float[q.Values.Length];
            var inner = Inner(q.Shape, q.Axis);
            for (var i = 0; i < result.Length; i++)
            {
                var k = q.Scales.Length == 1 ? 0 : (i / inner) % q.Scales.Length;
                result[i] = Requantization.Dequantize(q.Values[i], q.Scales[k], q.ZeroPoints[k]);
            }

            return result;
        }

        return null;
    }

    /// <summary>The integer constant behind DequantizeLinear(constant), or null if <paramref name="v"/> is not one.</summary>
    private QuantWeights? QuantConst(GraphValue v)
    {
        if (v.Producer is not { OpType: "DequantizeLinear" } dq || dq.Input(0)?.Constant is not { } data)
        {
            return null;
        }

        var scales = ShapeInference.ConstantInput(_g, dq, 1, "x_scale").AsFloats();
        var zps = dq.Input(2)?.Constant?.AsInts() ?? new int[scales.Length];
        if (zps.Length == 1 && scales.Length > 1)
        {
            zps = Enumerable.Repeat(zps[0], scales.Length).ToArray();
        }

        var rank = data.Shape.Length;
        var axis = (int)dq.Source.GetInt("axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (scales.Length != zps.Length || (scales.Length > 1 && (axis < 0 || axis >= rank || data.Shape[axis] != scales.Length)))
        {
            throw _g.Error(dq, $"{scales.Length} scales and {zps.Length} zero points do not fit [{string.Join(",", data.Shape)}] on axis {axis}");
        }

        if (data.Ints is null)
        {
            throw _g.Error(dq, $"input '{dq.Input(0)!.Name}' is {data.Type}; an integer tensor is expected");
        }

        return new QuantWeights(data.Shape, data.Ints, zps, scales, axis);
    }

    /// <summary>Integer weights given directly (QLinearConv, QLinearMatMul): data, scale and zero-point inputs.</summary>
    private QuantWeights DirectWeights(GraphNode node, int dataIndex, int scaleIndex, int zeroIndex, int axis)
    {
        var data = ShapeInference.ConstantInput(_g, node, dataIndex, "weights");
        var scales = ShapeInference.ConstantInput(_g, node, scaleIndex, "weight scale").AsFloats();
        var zps = node.Input(zeroIndex)?.Constant?.AsInts() ?? new int[scales.Length];
        if (zps.Length == 1 && scales.Length > 1)
        {
            zps = Enumerable.Repeat(zps[0], scales.Length).ToArray();
        }

        if (data.Ints is null || data.Type is not (ElementType.Int8 or ElementType.UInt8))
        {
            throw _g.Error(node, $"weights are {data.Type}; int8 or uint8 expected");
        }

        if (scales.Length != zps.Length || (scales.Length > 1 && data.Shape[axis] != scales.Length))
        {
            throw _g.Error(node, $"{scales.Length} weight scales do not fit weights [{string.Join(",", data.Shape)}]");
        }

        return new QuantWeights(data.Shape, data.Ints, zps, scales, axis);
    }

    private static int Inner(int[] shape, int axis)
    {
        var inner = 1;
        for (var d = axis + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        return inner;
    }

    /// <summary>Conv weights [M, C/g, kh, kw] to the kernels' [kh][kw][C/g][M] order.</summary>
    private static T[] PackConv<T>(T[] w, int m, int cipg, int kh, int kw)
    {
        var packed = new T[w.Length];
        for (var o = 0; o < m; o++)
        {
            for (var c = 0; c < cipg; c++)
            {
                for (var y = 0; y < kh; y++)
                {
                    for (var x = 0; x < kw; x++)
                    {
                        packed[((((y * kw) + x) * cipg) + c) * m + o] = w[(((((o * cipg) + c) * kh) + y) * kw) + x];
                    }
                }
            }
        }

        return packed;
    }

    /// <summary>Integer conv weights minus their per-output-channel zero point, packed.</summary>
    private int[] PackQuantConv(GraphNode node, QuantWeights q)
    {
        var (m, cipg, kh, kw) = (q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3]);
        if (q.Scales.Length != 1 && (q.Axis != 0 || q.Scales.Length != m))
        {
            throw _g.Error(node, "weight quantisation must be per tensor or per output channel (axis 0)");
        }

        var centred = new int[q.Values.Length];
        var per = cipg * kh * kw;
        for (var i = 0; i < centred.Length; i++)
        {
            centred[i] = q.Values[i] - q.ZeroPoints[q.ZeroPoints.Length == 1 ? 0 : i / per];
        }

        return PackConv(centred, m, cipg, kh, kw);
    }

    private static float[] Expand(float[] scales, int n) => scales.Length == n ? scales : Enumerable.Repeat(scales[0], n).ToArray();
}
