using System.Diagnostics;
using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.Tests.Support;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.Frames;

/// <summary>MJPEG from ffmpeg through the simulated camera, decoded by the same path the V4L2 source feeds the station.</summary>
public sealed class MjpegTests
{
    [Fact]
    public async Task AnFfmpegMjpegStreamIsCapturedDecodedAndClassifiedLikeThePhotos()
    {
        var jpegs = Media.SplitJpegs(Media.MjpegStream(640, 480, Media.Photos));
        Assert.Equal(Media.Photos.Length, jpegs.Count);

        var camera = new SimulatedCamera { Formats = [new("MJPG", "Motion-JPEG", true, new SimulatedSize(640, 480, (1, 30)))] };
        using var device = new SimulatedV4l2Device(camera, TimeProvider.System);
        device.FrameWriter = (buffer, fourCc, w, h, stride, seq) =>
        {
            var jpeg = jpegs[(int)(seq % jpegs.Count)];
            jpeg.CopyTo(buffer);
            return jpeg.Length;
        };

        using var classifier = Media.LoadZooModel();
        var preprocessor = new Preprocessor(classifier.Input, PreprocessOptions.ImageNet);
        var decoded = new List<(RgbImage Image, int Length)>();
        var sink = new DecodingSink(preprocessor.ShortSide, decoded, jpegs.Count);
        var options = new V4l2CaptureOptions { Formats = "MJPEG", Width = 640, Height = 480, RestartMinMs = 1 };
        var source = new V4l2CaptureSource(options, device, TimeProvider.System, NullLogger.Instance);
        await source.RunAsync(sink, sink.Stop.Token).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(jpegs.Select(j => j.Length), decoded.Select(d => d.Length)); // bytesused, frame by frame
        var labels = Media.AcceptableLabels();
        var dir = EdgeMobileNet.Tests.Common.TestAssets.NewTempDir();
        for (var i = 0; i < jpegs.Count; i++)
        {
            // 480 is less than twice the 256 the model resizes to: decoded at full size.
            var image = decoded[i].Image;
            Assert.Equal((640, 480), (image.Width, image.Height));

            // The pixels are the JPEG's: ffmpeg's own decoder (a different IDCT and chroma upsampling) agrees to
            // within a few levels on average.
            var file = Path.Combine(dir, $"{i}.jpg");
            File.WriteAllBytes(file, jpegs[i]);
            var reference = Media.Ffmpeg("-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-");
            Assert.Equal(reference.Length, image.Pixels.Length);
            var meanAbs = image.Pixels.Zip(reference, (a, b) => Math.Abs(a - b)).Average();
            Assert.True(meanAbs < 3, $"{Media.Photos[i]}: mean difference to ffmpeg's decode {meanAbs:F2}");

            // And the classifier sees the photo's subject (the label file's answer or one of its accepted alternatives).
            var got = Media.Top1(classifier, preprocessor, image);
            Assert.True(labels[Media.Photos[i]].Contains(got), $"{Media.Photos[i]}: MJPEG frame top-1 {got}, accepted {string.Join(' ', labels[Media.Photos[i]])}");
        }
    }

    [Theory]
    [InlineData(640, 480, 640, 480)] // short side 480 < 2 × 256: full decode
    [InlineData(1280, 720, 640, 360)] // 1/2 IDCT scale still covers 256
    [InlineData(1920, 1080, 480, 270)] // 1/4: 270 still covers 256
    public void DecodesAtTheSmallestScaleThatCoversTheModelAndReportsTheTime(int width, int height, int expectedWidth, int expectedHeight)
    {
        var jpeg = Media.SplitJpegs(Media.MjpegStream(width, height, ["dog.jpg"]))[0];
        using var classifier = Media.LoadZooModel();
        var preprocessor = new Preprocessor(classifier.Input, PreprocessOptions.ImageNet);
        byte[]? scratch = null;
        RgbImage Decode() => FrameUnpacker.ToRgb(new CapturedFrame(jpeg, CaptureFormat.Mjpeg, width, height, 0, 0, 1), preprocessor.ShortSide, ref scratch);

        var image = Decode();
        Assert.Equal((expectedWidth, expectedHeight), (image.Width, image.Height));
        var tensor = new float[classifier.Input.ElementCount];
        for (var i = 0; i < 5; i++)
        {
            preprocessor.Run(Decode(), tensor); // warm-up
        }

        const int runs = 30;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            preprocessor.Run(Decode(), tensor);
        }

        var ms = sw.Elapsed.TotalMilliseconds / runs;
        TestContext.Current.TestOutputHelper?.WriteLine($"mjpeg {width}x{height} ({jpeg.Length} bytes) decoded at {image.Width}x{image.Height} + preprocess to {classifier.Input.Width}x{classifier.Input.Height}: {ms:F2} ms per frame");
        Assert.True(ms > 0);
    }

    private sealed class DecodingSink(int shortSide, List<(RgbImage, int)> decoded, int count) : ICaptureSink
    {
        private byte[]? _scratch;

        public CancellationTokenSource Stop { get; } = new();

        public void OnFrame(in CapturedFrame frame)
        {
            if (decoded.Count < count)
            {
                decoded.Add((FrameUnpacker.ToRgb(frame, shortSide, ref _scratch), frame.Data.Length));
            }

            if (decoded.Count == count)
            {
                Stop.Cancel();
            }
        }

        public void OnStateChanged(CaptureState state, string? reason)
        {
        }
    }
}
