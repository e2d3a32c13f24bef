using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>`edgemobilenet snapshot` through the executable: the source configured as for `run`, one JPEG out.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public async Task A_files_source_snapshot_is_the_image_as_jpeg()
    {
        var image = Directory.GetFiles(TestAssets.Images).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).First();
        var output = Path.Combine(TestAssets.NewTempDir(), "snap.jpg");
        var (code, _, stderr) = await StationProcess.RunAsync(
            ["snapshot", "--out", output, "--Source:Kind", "files", "--Source:Path", image], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var original = ImageDecoder.Decode(image);
        var snap = ImageDecoder.Decode(output);
        Assert.Equal((original.Width, original.Height), (snap.Width, snap.Height));
        Assert.True(MeanAbsDiff(original, snap) < 6, $"mean difference {MeanAbsDiff(original, snap):0.0}");
    }

    [Fact]
    public async Task A_pipe_source_snapshot_is_a_frame_of_the_command()
    {
        ExternalTool.Require("ffmpeg");
        const string ffmpeg = "ffmpeg -hide_banner -loglevel error -f lavfi -i color=c=red:size=64x48:rate=25 -frames:v 50 -pix_fmt yuv420p -f rawvideo -";
        var output = Path.Combine(TestAssets.NewTempDir(), "snap.jpg");
        var (code, _, stderr) = await StationProcess.RunAsync(
            ["snapshot", "--out", output, "--Source:Kind", "pipe", "--Source:Command", ffmpeg, "--Source:Width", "64", "--Source:Height", "48", "--Source:PixelFormat", "i420"],
            TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var snap = ImageDecoder.Decode(output);
        Assert.Equal((64, 48), (snap.Width, snap.Height));
        var (r, g, b) = (snap.Pixels[(24 * 64 * 3) + 96], snap.Pixels[(24 * 64 * 3) + 97], snap.Pixels[(24 * 64 * 3) + 98]);
        Assert.True(r > 200 && g < 60 && b < 60, $"centre pixel {r},{g},{b} is not red");
    }

    public static TheoryData<string, string[], string> BadCases => new()
    {
        { "absent device", ["--Source:Kind", "v4l2", "--Source:Device", "/dev/video-absent-9"], "/dev/video-absent-9: no such device" },
        { "missing rpicam-vid", ["--Source:Kind", "rpicam", "--Source:Rpicam:Executable", "rpicam-vid-absent"], "rpicam-vid-absent not found" },
        { "misspelt key", ["--Source:Devise", "/dev/video0"], "Source:Devise: unknown key; did you mean Source:Device?" },
        { "bad value", ["--Source:Kind", "v4l2", "--Source:Buffers", "1"], "Source:Buffers: 1 is not between 2 and 32" },
    };

    [Theory]
    [MemberData(nameof(BadCases))]
    public async Task Bad_source_exits_2_with_one_line_naming_it(string what, string[] args, string expected)
    {
        var output = Path.Combine(TestAssets.NewTempDir(), "snap.jpg");
        var (code, _, stderr) = await StationProcess.RunAsync(["snapshot", "--out", output, .. args], TimeSpan.FromSeconds(60));
        Assert.True(code == 2, $"{what}: exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(expected, line);
        Assert.False(File.Exists(output));
    }

    private static double MeanAbsDiff(RgbImage a, RgbImage b) =>
        a.Pixels.Zip(b.Pixels, (x, y) => (double)Math.Abs(x - y)).Average();
}
