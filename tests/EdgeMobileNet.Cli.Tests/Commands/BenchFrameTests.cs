using System.Text.RegularExpressions;
using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Commands;

/// <summary><c>bench --frame</c>: the frame-to-tensor report and its input errors.</summary>
[Collection(nameof(AllocationSensitive))]
public sealed partial class BenchFrameTests : IDisposable
{
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reports_one_pass_against_inference_with_the_vector_width_and_the_decodes()
    {
        var raw = Path.Combine(_dir, "frame.i420");
        var frame = new byte[(320 * 240) + (2 * 160 * 120)];
        new Random(1).NextBytes(frame);
        File.WriteAllBytes(raw, frame);
        var jpeg = Path.Combine(TestAssets.Images, "dog.jpg");

        var outcome = CliRun.InProcess("bench", "--model", TestAssets.ZooInt8, "--engine", "managed", "--threads", "1",
            "--warmup", "1", "--iterations", "3", "--frame-size", "320x240", "--frame", raw, "--frame", jpeg);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        var reports = OnePass().Matches(outcome.Stdout);
        Assert.Equal(2, reports.Count);
        Assert.Equal("frame.i420 (I420 320x240)", reports[0].Groups["frame"].Value);
        Assert.StartsWith("dog.jpg (RGB24 ", reports[1].Groups["frame"].Value);
        foreach (Match m in reports)
        {
            Assert.Contains(m.Groups["isa"].Value, new[] { "avx512", "avx2", "ssse3", "neon", "scalar" });
            Assert.True(double.Parse(m.Groups["pre"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, m.Value);
        }

        Assert.Contains("JPEG decode median", outcome.Stdout);
        Assert.Matches(@"JPEG decode into a reused frame buffer \(FrameDecoder, as the station's sources do\) median \d+\.\d+ ms", outcome.Stdout);
        Assert.Matches(@"JPEG decode scaled to \d+x\d+ \(enough for a whole-view 224x224 model", outcome.Stdout);
    }

    [Fact]
    public void A_raw_frame_of_the_wrong_size_names_the_file_and_both_sizes()
    {
        var raw = Path.Combine(_dir, "short.yuyv");
        File.WriteAllBytes(raw, new byte[100]);
        var outcome = CliRun.InProcess("bench", "--model", TestAssets.ZooInt8, "--engine", "managed",
            "--warmup", "1", "--iterations", "1", "--frame-size", "64x48", "--frame", raw);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains($"--frame {raw}: YUYV 64x48 is 6144 bytes, the file has 100", outcome.Stderr);
    }

    [GeneratedRegex(@"^(?<frame>\S+ \([A-Z0-9]+ \d+x\d+\)) managed x1: preprocess median (?<pre>[0-9.]+) ms \(quantised input, (?<isa>[a-z0-9]+)\), inference median [0-9.]+ ms", RegexOptions.Multiline)]
    private static partial Regex OnePass();
}
