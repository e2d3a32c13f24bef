using EdgeMobileNet.Station.Tests.Support;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Configuration;

/// <summary>Source:Kind v4l2 and rpicam through the real executable: a bad camera setting, an absent device or a
/// missing rpicam-vid is exit code 2 with one line naming it, before anything connects or starts.</summary>
public sealed class CameraStartupTests
{
    public static TheoryData<string, string[], string> Cases => new()
    {
        { "absent device", ["--Source:Kind", "v4l2", "--Source:Device", "/dev/video-absent-9"], "/dev/video-absent-9: no such device" },
        { "missing rpicam-vid", ["--Source:Kind", "rpicam", "--Source:Rpicam:Executable", "rpicam-vid-absent"], "Source:Kind rpicam: rpicam-vid-absent not found" },
        { "unknown format", ["--Source:Kind", "v4l2", "--Source:Formats", "BGGR"], "Source:Formats: unknown format 'BGGR'" },
        { "bad exposure", ["--Source:Kind", "v4l2", "--Source:Controls:Exposure", "bright"], "Exposure" },
        { "misspelt control", ["--Source:Kind", "v4l2", "--Source:Controls:Exposre", "100"], "Source:Controls:Exposre: unknown key; did you mean Source:Controls:Exposure?" },
        { "odd rpicam stride", ["--Source:Kind", "rpicam", "--Source:Rpicam:Stride", "641", "--Source:Width", "640"], "Source:Rpicam:Stride: 641" },
        { "unparsable rpicam gain", ["--Source:Kind", "rpicam", "--Source:Rpicam:Gain", "loud"], "Source:Rpicam:Gain: 'loud' is not a number" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_camera_exits_2_with_one_line_naming_it(string what, string[] args, string expected)
    {
        string[] baseArgs = ["run", .. TestModels.ZooArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated"];
        var (code, stdout, stderr) = await StationProcess.RunAsync([.. baseArgs, .. args], TimeSpan.FromSeconds(60));

        Assert.True(code == 2, $"{what}: exit code {code}, stderr: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("edgemobilenet: ", line);
        Assert.Contains(expected, line);
        Assert.Equal("", stdout.Trim());
    }
}
