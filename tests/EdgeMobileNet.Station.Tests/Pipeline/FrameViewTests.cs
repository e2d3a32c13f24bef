using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Pipeline;

/// <summary>Source:Rotate and Source:Roi: the classifier gets the turned frame's region, pixel for pixel.</summary>
public sealed class FrameViewTests
{
    // A 3x2 frame whose pixels are numbered 1..6 row by row (R = number, G = 10 × number, B = 0).
    private static RgbImage Frame()
    {
        var image = new RgbImage(3, 2);
        for (var i = 0; i < 6; i++)
        {
            image.Pixels[i * 3] = (byte)(i + 1);
            image.Pixels[(i * 3) + 1] = (byte)(10 * (i + 1));
        }

        return image;
    }

    [Theory]
    [InlineData(0, new byte[] { 1, 2, 3, 4, 5, 6 }, 3)]
    [InlineData(90, new byte[] { 4, 1, 5, 2, 6, 3 }, 2)]
    [InlineData(180, new byte[] { 6, 5, 4, 3, 2, 1 }, 3)]
    [InlineData(270, new byte[] { 3, 6, 2, 5, 1, 4 }, 2)]
    public void Rotation_turns_the_frame_clockwise(int degrees, byte[] expected, int width)
    {
        var view = FrameView.From(new SourceOptions { Rotate = degrees }).Apply(Frame());
        Assert.Equal(width, view.Width);
        Assert.Equal(expected, Enumerable.Range(0, 6).Select(i => view.Pixels[i * 3]));
        Assert.Equal(expected.Select(v => (byte)(10 * v)), Enumerable.Range(0, 6).Select(i => view.Pixels[(i * 3) + 1]));
    }

    [Fact]
    public void The_region_is_cut_from_the_turned_frame()
    {
        // Turned 90°: rows (4 1) (5 2) (6 3); the region 1x2 at (1,1) is 2 over 3.
        var view = FrameView.From(new SourceOptions { Rotate = 90, Roi = new RoiOptions { X = 1, Y = 1, Width = 1, Height = 2 } }).Apply(Frame());
        Assert.Equal((1, 2), (view.Width, view.Height));
        Assert.Equal(new byte[] { 2, 3 }, new[] { view.Pixels[0], view.Pixels[3] });
    }

    [Fact]
    public void A_region_outside_the_frame_names_source_roi()
    {
        var view = FrameView.From(new SourceOptions { Roi = new RoiOptions { X = 2, Y = 0, Width = 2, Height = 2 } });
        var e = Assert.Throws<EdgeMobileNetException>(() => view.Apply(Frame()));
        Assert.Equal("Source:Roi: 2x2 at 2,0 does not fit the 3x2 frame", e.Message);
    }
}
