using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Preprocessing;

public class ResizeGeometryTests
{
    // Expected values worked out by hand from the reference recipe: long = int(256 * long / short),
    // offset = round((len - 224) / 2) with half-to-even.
    [Theory]
    [InlineData(1546, 1213, 326, 256, 51, 16)] // 256*1546/1213 = 326.28; (326-224)/2 = 51; (256-224)/2 = 16
    [InlineData(480, 640, 256, 341, 16, 58)]   // 256*640/480 = 341.33; (341-224)/2 = 58.5 → 58 (even)
    [InlineData(500, 500, 256, 256, 16, 16)]
    [InlineData(259, 256, 259, 256, 18, 16)]   // 17.5 → 18 (even)
    [InlineData(257, 256, 257, 256, 16, 16)]   // 16.5 → 16 (even)
    [InlineData(660, 495, 341, 256, 58, 16)]   // 256*660/495 = 341.33
    [InlineData(64, 32, 512, 256, 144, 16)]    // upscale: 256*64/32 = 512
    public void Matches_reference_recipe(int w, int h, int rw, int rh, int cx, int cy)
    {
        Assert.Equal(new ResizeGeometry(rw, rh, cx, cy, 224, 224), ResizeGeometry.For(w, h, 256, 224, 224));
    }

    [Theory]
    [InlineData(224, 224, 256f / 224f, 256)]
    [InlineData(224, 224, 1f, 224)]
    [InlineData(320, 240, 256f / 224f, 366)] // 320 × 1.142857 = 365.7
    [InlineData(96, 96, 1.25f, 120)]
    public void Short_side_is_rounded_size_times_ratio(int w, int h, float ratio, int expected)
    {
        Assert.Equal(expected, ResizeGeometry.ShortSideFor(w, h, ratio));
    }

    [Fact]
    public void Rejects_a_crop_larger_than_the_resized_image()
    {
        var ex = Assert.Throws<ArgumentException>(() => ResizeGeometry.For(100, 100, 200, 224, 224));
        Assert.Contains("224x224", ex.Message);
    }
}
