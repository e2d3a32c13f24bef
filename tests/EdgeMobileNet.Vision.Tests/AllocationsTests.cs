using Xunit;

namespace EdgeMobileNet.Vision.Tests;

public class AllocationsTests
{
    private static byte[]? _sink;

    [Fact]
    public void Check_catches_a_per_call_allocation()
    {
        var (zero, max) = Allocations.Measure(() => _sink = new byte[16]);
        Assert.Equal(0, zero);
        Assert.True(max >= 16);
    }
}
