using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

/// <summary>Encoded frames (image files, a camera's MJPEG) are decoded straight into the slot's buffers: the pixels
/// must be the image decoder's, at full size or scaled.</summary>
public sealed class DecodedFrameTests
{
    [Fact]
    public async Task Images_arrive_with_the_image_decoders_pixels_full_size_or_scaled()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] names = ["cat.jpg", "dog.jpg", "elephants.jpg"];
        var dir = TestImages.Folder(names);
        var run = new RunState(TimeProvider.System);
        var slot = new LatestFrameSlot(TimeProvider.System, run.Counters);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Short side 256: dog.jpg (1546x1213) is decoded at 1/4 scale, the others in full.
        var running = new FileFrameSource(dir, 0, true, true, 256, run, TimeProvider.System, NullLogger.Instance).RunAsync(slot, cts.Token);

        for (var i = 0; i < 3 * names.Length; i++)
        {
            var frame = await slot.TakeLatestAsync(cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(60), ct);
            Assert.NotNull(frame);
            var expected = ImageDecoder.DecodeForTarget(Path.Combine(dir, names[i % names.Length]), 256);
            Assert.Equal(PixelFormat.RGB24, frame.Format);
            Assert.Equal((expected.Width, expected.Height), (frame.Width, frame.Height));
            Assert.True(expected.Pixels.AsSpan().SequenceEqual(frame.Data), $"frame {i} ({names[i % names.Length]}): pixels differ");
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(0, run.Counters.Skipped);
    }

    [Fact]
    public async Task A_camera_mjpeg_frame_arrives_decoded_at_the_models_scale()
    {
        var ct = TestContext.Current.CancellationToken;
        ExternalTool.Require("ffmpeg");
        var jpegPath = Path.Combine(TestAssets.NewTempDir(), "frame.jpg");
        var (made, _, ffmpegErr) = await ChildProcess.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", Path.Combine(TestAssets.Images, "dog.jpg"), "-vf", "scale=1280:720", "-frames:v", "1", "-q:v", "3", jpegPath], TimeSpan.FromSeconds(60));
        Assert.True(made == 0, ffmpegErr);
        var jpeg = await File.ReadAllBytesAsync(jpegPath, ct);
        var run = new RunState(TimeProvider.System);
        var slot = new LatestFrameSlot(TimeProvider.System, run.Counters);
        var source = new CaptureFrameSource("test camera", (sink, _) =>
        {
            for (var i = 1; i <= 3; i++)
            {
                sink.OnFrame(new CapturedFrame(jpeg, CaptureFormat.Mjpeg, 1280, 720, 0, 0, i));
            }

            return Task.CompletedTask;
        }, 256, run.Health, TimeProvider.System);

        await source.RunAsync(slot, ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        var frame = await slot.TakeLatestAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);

        // 1280x720 at half scale still covers a 256 short side.
        var expected = ImageDecoder.DecodeForTarget(jpeg, "frame", 256);
        Assert.NotNull(frame);
        Assert.Equal(3, frame.Sequence);
        Assert.Equal((PixelFormat.RGB24, 640, 360), (frame.Format, frame.Width, frame.Height));
        Assert.True(expected.Pixels.AsSpan().SequenceEqual(frame.Data), "pixels differ from the image decoder's");
    }
}
