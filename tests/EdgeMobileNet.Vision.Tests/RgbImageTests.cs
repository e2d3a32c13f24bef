using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Vision.Tests;

public class RgbImageTests
{
    [Fact]
    public void Rejects_pixel_buffer_of_wrong_size()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RgbImage(4, 2, new byte[23]));
        Assert.Contains("4x2", ex.Message);
    }
}
