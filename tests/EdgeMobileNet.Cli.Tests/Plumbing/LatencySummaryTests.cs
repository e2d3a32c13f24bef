using EdgeMobileNet.Cli;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Plumbing;

public sealed class LatencySummaryTests
{
    [Fact]
    public void MedianP90AndMinimum()
    {
        // 1..10 shuffled: median of an even count is the mean of 5 and 6; nearest-rank p90 is the 9th value.
        var summary = LatencySummary.Of([7, 3, 10, 1, 9, 2, 8, 4, 6, 5]);
        Assert.Equal(new LatencySummary(5.5, 9, 1), summary);
        Assert.Equal(new LatencySummary(4, 4, 4), LatencySummary.Of([4]));
        Assert.Equal(new LatencySummary(2, 3, 1), LatencySummary.Of([3, 1, 2]));
    }
}
