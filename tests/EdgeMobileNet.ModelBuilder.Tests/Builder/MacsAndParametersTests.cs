using EdgeMobileNet.ModelBuilder.Architectures;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

public sealed class MacsAndParametersTests
{
    // Published figures at width 1.0, 224x224 (multiply-adds and parameters of the papers' tables):
    // V1 Table 8: 569M / 4.2M; V2 Table 3: 300M / 3.4M; V3 Table 3: Large 219M / 5.4M, Small 56M / 2.5M
    // (217M is also quoted for Large; 219M is the table value, both lie within the tolerance).
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
        // MACs scale with R² exactly (every layer's output area does); V1 at α=0.5 is 150M / 1.3M in the paper's Table 6.
        var full = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV1 });
        var large = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV1, Resolution = 448 });
        Assert.Equal(full.Parameters, large.Parameters);
        Assert.Equal(full.Macs * 4 - (3 * 1024 * 1000), large.Macs);
        var thin = MobileNetModelBuilder.Cost(new ModelBuildOptions { Architecture = MobileNetArchitecture.MobileNetV1, Width = 0.5 });
        Assert.InRange(thin.Macs, 150e6 * 0.97, 150e6 * 1.03);
        Assert.InRange(thin.Parameters, 1.32e6 * 0.97, 1.32e6 * 1.03);
    }
}
