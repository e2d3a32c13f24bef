using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.Station.Frames;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

public sealed class ConveyorSceneTests
{
    [Fact]
    public void Frames_are_belt_or_the_part_colour_within_15_per_channel()
    {
        var scene = new ConveyorScene(160, 120, seed: 7, framesPerPart: 4);
        var rgb = new byte[160 * 120 * 3];
        var belt = ColourDemoPalette.Belt;
        for (long seq = 1; seq <= 80; seq++)
        {
            scene.Render(seq, rgb);
            var part = scene.PartAt(seq);
            var partPixels = 0;
            for (var i = 0; i < rgb.Length; i += 3)
            {
                if (Near(rgb, i, belt.R, belt.G, belt.B))
                {
                    continue;
                }

                Assert.True(part >= 0, $"frame {seq} is empty but pixel {i / 3} is not belt grey");
                var p = ColourDemoPalette.Parts[part];
                Assert.True(Near(rgb, i, p.R, p.G, p.B), $"frame {seq}: pixel {i / 3} = ({rgb[i]},{rgb[i + 1]},{rgb[i + 2]}) is neither belt nor {p.Label}");
                partPixels++;
            }

            var coverage = partPixels / (160.0 * 120);
            if (part >= 0)
            {
                Assert.InRange(coverage, 0.10, 0.40);
                Assert.Equal(scene.CoverageAt(seq), coverage, 0.03);
            }
        }
    }

    [Fact]
    public void Every_label_and_empty_frames_occur_and_rendering_is_deterministic()
    {
        var scene = new ConveyorScene(64, 48, seed: 1, framesPerPart: 3);
        var seen = Enumerable.Range(1, 300).Select(s => scene.LabelAt(s)).ToHashSet();
        Assert.Equal(ColourDemoPalette.Labels.Order(), seen.Order());

        var a = new byte[64 * 48 * 3];
        var b = new byte[64 * 48 * 3];
        new ConveyorScene(64, 48, 1, 3).Render(42, a);
        scene.Render(42, b);
        Assert.Equal(a, b);
        scene.Render(43, b);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_part_moves_across_the_frame_while_it_stays_in_view()
    {
        var scene = new ConveyorScene(160, 120, seed: 3, framesPerPart: 4);
        var seq = Enumerable.Range(0, 100).Select(i => 1 + i * 4L).First(s => scene.PartAt(s) >= 0);
        Assert.True(LeftmostPartColumn(scene, seq) < LeftmostPartColumn(scene, seq + 3));
    }

    private static int LeftmostPartColumn(ConveyorScene scene, long seq)
    {
        var rgb = new byte[scene.Width * scene.Height * 3];
        scene.Render(seq, rgb);
        var belt = ColourDemoPalette.Belt;
        var min = int.MaxValue;
        for (var i = 0; i < rgb.Length; i += 3)
        {
            if (!Near(rgb, i, belt.R, belt.G, belt.B))
            {
                min = Math.Min(min, i / 3 % scene.Width);
            }
        }

        return min;
    }

    private static bool Near(byte[] rgb, int i, byte r, byte g, byte b) =>
        Math.Abs(rgb[i] - r) <= 15 && Math.Abs(rgb[i + 1] - g) <= 15 && Math.Abs(rgb[i + 2] - b) <= 15;
}
