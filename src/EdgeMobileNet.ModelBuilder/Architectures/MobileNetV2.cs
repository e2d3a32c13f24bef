using EdgeMobileNet.ModelBuilder.Network;

namespace EdgeMobileNet.ModelBuilder.Architectures;

/// <summary>MobileNetV2 (Sandler et al. 2018, Table 2): inverted residual bottlenecks with linear projections, ReLU6.</summary>
internal static class MobileNetV2
{
    // (expansion t, output channels c, repeats n, first stride s).
    private static readonly (int T, int C, int N, int S)[] Table =
    [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ];

    public static Net Build(double alpha, int resolution, int classes, SplitMix64 random)
    {
        var b = new NetBuilder(new Net("mobilenetv2", resolution), random);
        var x = b.Conv("stem", 0, Channels.MakeDivisible(32 * alpha), 3, 2, Activation.Relu6);
        var block = 0;
        foreach (var (t, c, n, s) in Table)
        {
            var outChannels = Channels.MakeDivisible(c * alpha);
            for (var i = 0; i < n; i++)
            {
                x = InvertedResidual(b, $"block{++block}", x, t, outChannels, i == 0 ? s : 1);
            }
        }

        // The paper keeps the last layer at 1280 for multipliers below one.
        var last = alpha > 1 ? Channels.MakeDivisible(1280 * alpha) : 1280;
        x = b.Conv("head", x, last, 1, 1, Activation.Relu6);
        x = b.Pool("pool", x);
        b.Classifier("classifier", x, classes);
        return b.Net;
    }

    public static int InvertedResidual(NetBuilder b, string name, int x, int expansion, int outChannels, int stride)
    {
        var inChannels = b.Net.Shapes[x].C;
        var h = expansion == 1 ? x : b.Conv(name + ".expand", x, inChannels * expansion, 1, 1, Activation.Relu6);
        h = b.Depthwise(name + ".dw", h, 3, stride, Activation.Relu6);
        var projected = b.Conv(name + ".project", h, outChannels, 1, 1, Activation.None);
        if (expansion != 1)
        {
            b.CoherentProjection(b.Net.Ops.Single(o => o.Name == name + ".expand").Output, projected);
        }

        h = projected;
        return stride == 1 && inChannels == outChannels ? b.Add(name + ".add", x, h) : h;
    }
}
