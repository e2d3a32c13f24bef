using EdgeMobileNet.ModelBuilder.Network;

namespace EdgeMobileNet.ModelBuilder.Architectures;

/// <summary>
/// MobileNetV3 Large and Small (Howard et al. 2019, Tables 1 and 2): bottlenecks with optional squeeze-and-excitation
/// (reduction 4 of the expanded channels, rounded to a multiple of 8), ReLU or hard-swish, and an efficient head
/// (pool, then 1x1 conv with hard-swish and no batch norm, then the classifier).
/// </summary>
internal static class MobileNetV3
{
    // (kernel, expanded channels, output channels, squeeze-excite, hard-swish, stride).
    private static readonly (int K, int Exp, int Out, bool Se, bool Hs, int S)[] Large =
    [
        (3, 16, 16, false, false, 1),
        (3, 64, 24, false, false, 2),
        (3, 72, 24, false, false, 1),
        (5, 72, 40, true, false, 2),
        (5, 120, 40, true, false, 1),
        (5, 120, 40, true, false, 1),
        (3, 240, 80, false, true, 2),
        (3, 200, 80, false, true, 1),
        (3, 184, 80, false, true, 1),
        (3, 184, 80, false, true, 1),
        (3, 480, 112, true, true, 1),
        (3, 672, 112, true, true, 1),
        (5, 672, 160, true, true, 2),
        (5, 960, 160, true, true, 1),
        (5, 960, 160, true, true, 1),
    ];

    private static readonly (int K, int Exp, int Out, bool Se, bool Hs, int S)[] Small =
    [
        (3, 16, 16, true, false, 2),
        (3, 72, 24, false, false, 2),
        (3, 88, 24, false, false, 1),
        (5, 96, 40, true, true, 2),
        (5, 240, 40, true, true, 1),
        (5, 240, 40, true, true, 1),
        (5, 120, 48, true, true, 1),
        (5, 144, 48, true, true, 1),
        (5, 288, 96, true, true, 2),
        (5, 576, 96, true, true, 1),
        (5, 576, 96, true, true, 1),
    ];

    public static Net Build(bool large, double alpha, int resolution, int classes, SplitMix64 random)
    {
        var b = new NetBuilder(new Net(large ? "mobilenetv3-large" : "mobilenetv3-small", resolution), random);
        var x = b.Conv("stem", 0, Channels.MakeDivisible(16 * alpha), 3, 2, Activation.HardSwish);
        var table = large ? Large : Small;
        for (var i = 0; i < table.Length; i++)
        {
            var (k, exp, outC, se, hs, s) = table[i];
            x = Bottleneck(b, $"block{i + 1}", x, k, Channels.MakeDivisible(exp * alpha), Channels.MakeDivisible(outC * alpha), se, hs ? Activation.HardSwish : Activation.Relu, s);
        }

        // Last conv is 6x the last bottleneck's output (960 / 576). Table 2 also marks SE on Small's last conv; the
        // reference implementations leave it out, and so do we (it would add about 0.2M MACs).
        x = b.Conv("last", x, 6 * b.Net.Shapes[x].C, 1, 1, Activation.HardSwish);
        x = b.Pool("pool", x);
        var head = large ? 1280 : 1024;
        x = b.Conv("head", x, alpha > 1 ? Channels.MakeDivisible(head * alpha) : head, 1, 1, Activation.HardSwish);
        b.Classifier("classifier", x, classes);
        return b.Net;
    }

    private static int Bottleneck(NetBuilder b, string name, int x, int kernel, int expanded, int outChannels, bool se, Activation act, int stride)
    {
        var inChannels = b.Net.Shapes[x].C;

        // With no expansion (expanded == input) the reference implementations skip the 1x1 expand conv.
        var h = expanded == inChannels ? x : b.Conv(name + ".expand", x, expanded, 1, 1, act);
        h = b.Depthwise(name + ".dw", h, kernel, stride, act);
        if (se)
        {
            h = b.SqueezeExcite(name + ".se", h, Channels.MakeDivisible(expanded / 4.0));
        }

        var projected = b.Conv(name + ".project", h, outChannels, 1, 1, Activation.None);
        if (expanded != inChannels)
        {
            b.CoherentProjection(b.Net.Ops.Single(o => o.Name == name + ".expand").Output, projected);
        }

        h = projected;
        return stride == 1 && inChannels == outChannels ? b.Add(name + ".add", x, h) : h;
    }
}
