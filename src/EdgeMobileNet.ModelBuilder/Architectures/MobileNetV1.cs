using EdgeMobileNet.ModelBuilder.Network;

namespace EdgeMobileNet.ModelBuilder.Architectures;

/// <summary>MobileNetV1 (Howard et al. 2017, Table 1): depthwise-separable convolutions, ReLU, channels int(c·α).</summary>
internal static class MobileNetV1
{
    // (pointwise output channels, depthwise stride) for the 13 separable layers.
    private static readonly (int Channels, int Stride)[] Table =
    [
        (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
        (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),
        (1024, 2),

        // Table 1 lists stride 2 here, but at 7x7 every implementation (and the paper's MAC count) uses stride 1.
        (1024, 1),
    ];

    public static Net Build(double alpha, int resolution, int classes, SplitMix64 random)
    {
        var b = new NetBuilder(new Net("mobilenetv1", resolution), random);
        var x = b.Conv("stem", 0, Scale(32, alpha), 3, 2, Activation.Relu);
        for (var i = 0; i < Table.Length; i++)
        {
            x = b.Depthwise($"sep{i + 1}.dw", x, 3, Table[i].Stride, Activation.Relu);
            x = b.Conv($"sep{i + 1}.pw", x, Scale(Table[i].Channels, alpha), 1, 1, Activation.Relu);
        }

        x = b.Pool("pool", x);
        b.Classifier("classifier", x, classes);
        return b.Net;
    }

    private static int Scale(int channels, double alpha) => Math.Max(1, (int)(channels * alpha));
}
