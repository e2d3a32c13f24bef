using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Info;

/// <summary>
/// Multiply-accumulates of one inference (batch 1): every Conv-like node's output positions × output channels × inputs
/// per group × kernel area, every Gemm/MatMul-like node's weight size. Output sizes come from a small static shape
/// propagation over the ops image classifiers use; a node whose input shape stays unknown is counted in
/// <c>Unknown</c> and contributes nothing.
/// </summary>
internal static class CostModel
{
    public static (long Macs, int Unknown) Macs(OnnxModel model)
    {
        var g = model.Graph;
        var init = g.InitializerMap();
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var i in g.Inputs.Where(i => !init.ContainsKey(i.Name) && i.Dims is not null))
        {
            shapes[i.Name] = i.Dims!.Select((d, k) => d.Value ?? (k == 0 ? 1 : -1)).ToArray();
        }

        foreach (var t in g.Initializers)
        {
            shapes[t.Name] = t.Dims;
        }

        long macs = 0;
        var unknown = 0;
        foreach (var n in g.Nodes)
        {
            long[]? In(int i) => shapes.TryGetValue(n.Input(i), out var s) && s.All(d => d >= 0) ? s : null;
            long[]? output = null;
            switch (n.OpType)
            {
                case "Conv" or "ConvInteger" or "QLinearConv":
                {
                    var wIndex = n.OpType == "QLinearConv" ? 3 : 1;
                    var x = In(0);
                    if (x is { Length: 4 } && init.TryGetValue(n.Input(wIndex), out var w) && w.Dims.Length == 4)
                    {
                        output = ConvShape(n, x, w.Dims);
                        macs += output[1] * output[2] * output[3] * w.Dims[1] * w.Dims[2] * w.Dims[3];
                    }
                    else if (x is { Length: 4 } && In(wIndex) is { Length: 4 } wd)
                    {
                        output = ConvShape(n, x, wd);
                        macs += output[1] * output[2] * output[3] * wd[1] * wd[2] * wd[3];
                    }
                    else
                    {
                        unknown++;
                    }

                    break;
                }

                case "Gemm" or "MatMul" or "MatMulInteger" or "QLinearMatMul":
                {
                    var bIndex = n.OpType == "QLinearMatMul" ? 3 : 1;
                    var b = In(bIndex);
                    if (b is { Length: 2 })
                    {
                        macs += b[0] * b[1];
                        var transB = n.OpType == "Gemm" && n.GetInt("transB", 0) != 0;
                        output = [1, transB ? b[0] : b[1]];
                    }
                    else
                    {
                        unknown++;
                    }

                    break;
                }

                case "GlobalAveragePool" or "GlobalMaxPool" or "QLinearGlobalAveragePool":
                    output = In(0) is { Length: 4 } p
                        ? n.GetInt("channels_last", 0) != 0 ? [p[0], 1, 1, p[3]] : [p[0], p[1], 1, 1]
                        : null;
                    break;
                case "AveragePool" or "MaxPool":
                    output = In(0) is { Length: 4 } a && n.GetInts("kernel_shape") is { Length: 2 } k ? ConvShape(n, a, [a[1], 1, k[0], k[1]]) : null;
                    break;
                case "Transpose":
                    output = In(0) is { } t && n.GetInts("perm") is { } perm && perm.Length == t.Length ? perm.Select(d => t[d]).ToArray() : null;
                    break;
                case "Pad":
                {
                    var pads = n.GetInts("pads") ?? (init.TryGetValue(n.Input(1), out var pt) ? pt.ToInt64Array() : null);
                    output = In(0) is { } x && pads is not null && pads.Length == 2 * x.Length
                        ? x.Select((d, i) => d + pads[i] + pads[i + x.Length]).ToArray()
                        : null;
                    break;
                }

                case "Flatten":
                    output = In(0) is { } f ? [f.Take((int)n.GetInt("axis", 1)).Aggregate(1L, (p, d) => p * d), f.Skip((int)n.GetInt("axis", 1)).Aggregate(1L, (p, d) => p * d)] : null;
                    break;
                case "Add" or "Mul" or "Sub" or "Div" or "QLinearAdd" or "QLinearMul":
                {
                    var second = n.OpType.StartsWith("QLinear", StringComparison.Ordinal) ? 3 : 1;
                    output = Broadcast(In(0), In(second));
                    break;
                }

                case "ReduceMean" or "ReduceMax":
                {
                    var axes = n.GetInts("axes") ?? (init.TryGetValue(n.Input(1), out var at) ? at.ToInt64Array() : null);
                    var keep = n.GetInt("keepdims", 1) != 0;
                    if (In(0) is { } r && axes is not null)
                    {
                        var set = axes.Select(a => a < 0 ? a + r.Length : a).ToHashSet();
                        output = keep ? r.Select((d, i) => set.Contains(i) ? 1 : d).ToArray() : r.Where((_, i) => !set.Contains(i)).ToArray();
                    }

                    break;
                }

                case "Shape" or "Gather" or "Unsqueeze" or "Concat" or "Reshape" or "Squeeze" or "Constant":
                    break;
                default:
                    // Element-wise and quantisation ops keep the shape of their first input.
                    output = In(0);
                    break;
            }

            if (output is not null && n.Outputs.Count > 0)
            {
                shapes[n.Outputs[0]] = output;
            }
        }

        return (macs, unknown);
    }

    private static long[]? Broadcast(long[]? a, long[]? b)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }

        var rank = Math.Max(a.Length, b.Length);
        var r = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            r[i] = Math.Max(x, y);
        }

        return r;
    }

    private static long[] ConvShape(OnnxNode n, long[] x, long[] w)
    {
        var (kh, kw) = (w[2], w[3]);
        var strides = n.GetInts("strides") ?? [1, 1];
        var dilations = n.GetInts("dilations") ?? [1, 1];
        var pads = n.GetInts("pads") ?? [0, 0, 0, 0];
        var autoPad = n.GetString("auto_pad", "NOTSET");
        long Out(long size, long k, long s, long d, long before, long after) =>
            autoPad is "SAME_UPPER" or "SAME_LOWER" ? (size + s - 1) / s
            : autoPad == "VALID" ? ((size - (((k - 1) * d) + 1)) / s) + 1
            : ((size + before + after - (((k - 1) * d) + 1)) / s) + 1;
        var channels = n.OpType is "AveragePool" or "MaxPool" ? x[1] : w[0];
        return [x[0], channels, Out(x[2], kh, strides[0], dilations[0], pads[0], pads[2]), Out(x[3], kw, strides[1], dilations[1], pads[1], pads[3])];
    }
}
