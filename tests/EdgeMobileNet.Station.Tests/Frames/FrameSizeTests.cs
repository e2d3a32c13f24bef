using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

/// <summary>Frames whose size is not what a naive reader assumes: huge camera stills, padded camera rows, a pipe
/// delivering another size than configured.</summary>
public sealed class FrameSizeTests
{
    [Fact]
    public async Task A_48_megapixel_jpeg_is_decoded_scaled_within_a_pi_zero_budget()
    {
        ExternalTool.Require("ffmpeg");
        var dir = TestAssets.NewTempDir();
        var (made, _, ffmpegErr) = await ChildProcess.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=8000x6000", "-frames:v", "1", "-q:v", "4", Path.Combine(dir, "still.jpg")], TimeSpan.FromSeconds(120));
        Assert.True(made == 0, ffmpegErr);

        using var station = StationProcess.Start([
            "run", .. TestModels.ZooArgs, "--Source:Kind", "files", "--Source:Path", dir, "--Source:Rate", "4",
            "--Station:PrintEvents", "true", "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (station.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 3 && !station.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var peakKb = long.Parse(File.ReadAllLines($"/proc/{station.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.True(station.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 3, station.Stderr);
        // A full decode alone is 8000 × 6000 × 4 bytes (192 MB) plus an RGB copy; a Pi Zero 2 W has 512 MB in all.
        Assert.True(peakKb < 250_000, $"peak resident memory {peakKb / 1024} MB");
    }

    [Fact]
    public async Task A_pipe_frame_of_another_size_than_configured_is_reported_with_the_keys_to_check()
    {
        // One 600x400 I420 frame read as 640x480.
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated",
            "--Source:Kind", "pipe", "--Source:Width", "640", "--Source:Height", "480", "--Source:Command", "head -c 360000 /dev/zero",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!station.Stderr.Contains("partial frame", StringComparison.Ordinal) && !station.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Pipe source: discarded a partial frame (360000 of 460800 bytes); if every run ends like this, check Source:Width, Source:Height, Source:PixelFormat and Source:Stride", station.Stderr);
    }

    [Fact]
    public async Task A_padded_pipe_frame_is_read_whole_with_source_stride()
    {
        // GRAY8 150x100 with rows padded to 160 bytes: exactly one frame of 16 000 bytes.
        var (code, stdout, stderr) = await StationProcess.RunAsync([
            "run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated", "--Station:PrintEvents", "true",
            "--Source:Kind", "pipe", "--Source:PixelFormat", "GRAY8", "--Source:Width", "150", "--Source:Height", "100", "--Source:Stride", "160",
            "--Source:Command", "head -c 16000 /dev/zero; sleep 30", "--Trigger:Rate", "0", "--max-frames", "1",
        ], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("partial frame", stderr);
    }

    [Theory]
    [InlineData(PixelFormat.I420, 5, 3, 8)]
    [InlineData(PixelFormat.NV12, 6, 4, 8)]
    [InlineData(PixelFormat.YUYV, 4, 2, 12)]
    [InlineData(PixelFormat.GRAY8, 7, 2, 9)]
    public void Packing_drops_exactly_the_row_padding(PixelFormat format, int width, int height, int stride)
    {
        var packedBytes = FrameGeometry.BytesPerFrame(format, width, height);
        var expected = Enumerable.Range(1, packedBytes).Select(i => (byte)(i % 251)).ToArray();
        // Build the padded frame from the packed one: each row copied to a stride-wide row, padding = 0xEE.
        var padded = Enumerable.Repeat((byte)0xEE, StridedFrame.Bytes(format, height, stride)).ToArray();
        var chromaW = (width + 1) / 2;
        var chromaH = (height + 1) / 2;
        var planes = format switch
        {
            PixelFormat.I420 => new[] { (width, height, stride), (chromaW, chromaH, stride / 2), (chromaW, chromaH, stride / 2) },
            PixelFormat.NV12 => [(width, height, stride), (2 * chromaW, chromaH, stride)],
            _ => [(width * StridedFrame.LumaBytesPerPixel(format), height, stride)],
        };
        int src = 0, dst = 0;
        foreach (var (rowBytes, rows, planeStride) in planes)
        {
            for (var y = 0; y < rows; y++)
            {
                expected.AsSpan(src + (y * rowBytes), rowBytes).CopyTo(padded.AsSpan(dst + (y * planeStride)));
            }

            src += rowBytes * rows;
            dst += planeStride * rows;
        }

        var packed = new byte[packedBytes];
        StridedFrame.Pack(padded, packed, format, width, height, stride);
        Assert.Equal(expected, packed);
    }
}
