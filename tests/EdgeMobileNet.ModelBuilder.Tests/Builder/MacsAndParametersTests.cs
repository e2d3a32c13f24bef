using EdgeMobileNet.ModelBuilder.Architectures;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

public sealed class MacsAndParametersTests
{
    // Published multiply-adds and parameters at width 1.0, 224x224: V1 569M / 4.2M, V2 300M / 3.4M,
    // V3-Large about 217M / 5.4M, V3-Small 56M / 2.5M.
    [Theory]
    [InlineData(MobileNetArchitecture.MobileNetV1, 569e6, 4.2e6)]
    [InlineData(MobileNetArchitecture.MobileNetV2, 300e6, 3.4e6)]
    [InlineData(MobileNetArchitecture.MobileNetV3Large, 217e6, 5.4e6)]
    [InlineData(MobileNetArchitecture.MobileNetV3Small, 56e6, 2.5e6)]
    public void Match_the_papers_within_3_percent(MobileNetArchitecture arch, double macs, double parameters)
    {
        var (m, p) = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = arch });
        TestContext.Current.TestOutputHelper?.WriteLine($"{arch}: {m / 1e6:F1}M MACs, {p / 1e6:F3}M parameters");
        Assert.InRange(m, macs * 0.97, macs * 1.03);
        Assert.InRange(p, parameters * 0.97, parameters * 1.03);
    }

    [Fact]
    public void Width_and_resolution_scale_the_cost_as_the_papers_describe()
    {
        // Conv MACs scale with R² exactly (the classifier's do not); V1 at α=0.5 is about 149M / 1.3M in the paper.
        var full = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV1 });
        var large = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV1, Resolution = 448 });
        Assert.Equal(full.Parameters, large.Parameters);
        Assert.Equal(full.Macs * 4 - (3 * 1024 * 1000), large.Macs);
        var thin = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV1, Width = 0.5 });
        Assert.InRange(thin.Macs, 150e6 * 0.97, 150e6 * 1.03);
        Assert.InRange(thin.Parameters, 1.32e6 * 0.97, 1.32e6 * 1.03);
    }
}
