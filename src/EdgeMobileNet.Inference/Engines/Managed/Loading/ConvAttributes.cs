using EdgeMobileNet.Inference.Engines.Managed.Graph;

namespace EdgeMobileNet.Inference.Engines.Managed.Loading;

/// <summary>Resolved 2-D window attributes of Conv, QLinearConv and AveragePool (explicit pads, auto_pad applied).</summary>
internal sealed record ConvAttributes(int KH, int KW, int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight, int DilationH, int DilationW, int Group)
{
    public static ConvAttributes Read(ModelGraph graph, GraphNode node, int inH, int inW, int kh, int kw)
    {
        var s = node.Source;
        var strides = s.GetInts("strides") ?? [1, 1];
        var dilations = s.GetInts("dilations") ?? [1, 1];
        var pads = s.GetInts("pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || dilations.Length != 2 || pads.Length != 4)
        {
            throw graph.Error(node, "only 2-D windows are supported (strides, dilations and pads must have 2, 2 and 4 values)");
        }

        if (strides.Any(v => v is < 1 or > 64) || dilations.Any(v => v is < 1 or > 64) || pads.Any(v => v is < 0 or > 1024))
        {
            throw graph.Error(node, $"unsupported strides [{string.Join(",", strides)}], dilations [{string.Join(",", dilations)}] or pads [{string.Join(",", pads)}]");
        }

        var group = s.GetInt("group", 1);
        if (group < 1 || group > int.MaxValue)
        {
            throw graph.Error(node, $"group {group} is invalid");
        }

        var a = new ConvAttributes(kh, kw, (int)strides[0], (int)strides[1], (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], (int)dilations[0], (int)dilations[1], (int)group);
        var autoPad = s.GetString("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET" or "":
                return a;
            case "VALID":
                return a with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 };
            case "SAME_UPPER" or "SAME_LOWER":
                var (t, b) = SamePads(inH, a.StrideH, ((kh - 1) * a.DilationH) + 1, autoPad == "SAME_UPPER");
                var (l, r) = SamePads(inW, a.StrideW, ((kw - 1) * a.DilationW) + 1, autoPad == "SAME_UPPER");
                return a with { PadTop = t, PadLeft = l, PadBottom = b, PadRight = r };
            default:
                throw graph.Error(node, $"auto_pad '{autoPad}' is not supported");
        }
    }

    public (int OutH, int OutW) OutputSize(ModelGraph graph, GraphNode node, int inH, int inW)
    {
        var oh = ((inH + PadTop + PadBottom - (((KH - 1) * DilationH) + 1)) / StrideH) + 1;
        var ow = ((inW + PadLeft + PadRight - (((KW - 1) * DilationW) + 1)) / StrideW) + 1;
        if (oh < 1 || ow < 1 || inH + PadTop + PadBottom < KH || inW + PadLeft + PadRight < KW)
        {
            throw graph.Error(node, $"window {KH}x{KW} does not fit the {inH}x{inW} input");
        }

        return (oh, ow);
    }

    private static (int Begin, int End) SamePads(int size, int stride, int window, bool upper)
    {
        var output = (size + stride - 1) / stride;
        var total = Math.Max(0, ((output - 1) * stride) + window - size);
        var small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }
}
