using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.Rpicam;
using EdgeMobileNet.Capture.Tests.Support;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.Rpicam;

public sealed class RpicamTests
{
    [Fact]
    public void BuildsTheCommandFromOptions()
    {
        var o = new RpicamOptions
        {
            Camera = 1,
            Width = 1332,
            Height = 990,
            FrameRate = 50,
            ShutterUs = 2000,
            Gain = 2.5,
            AwbGains = "1.6, 1.9",
            LensPosition = "4.5",
            Roi = "0.25,0.25,0.5,0.5",
        };
        Assert.Equal(
            "--camera 1 --width 1332 --height 990 --framerate 50 --codec yuv420 --timeout 0 --nopreview --flush --shutter 2000 --gain 2.5 "
            + "--awbgains 1.6,1.9 --autofocus-mode manual --lens-position 4.5 --roi 0.25,0.25,0.5,0.5 --low-latency --output -",
            string.Join(' ', RpicamCommand.Arguments(o, isPi5: true)));

        var auto = new RpicamOptions { LensPosition = "auto" };
        Assert.Equal(
            "--camera 0 --width 640 --height 480 --framerate 30 --codec yuv420 --timeout 0 --nopreview --flush --autofocus-mode continuous --output -",
            string.Join(' ', RpicamCommand.Arguments(auto, isPi5: false)));
        Assert.Contains("--low-latency", RpicamCommand.Arguments(new RpicamOptions { LowLatency = "on" }, isPi5: false));
        Assert.DoesNotContain("--low-latency", RpicamCommand.Arguments(new RpicamOptions { LowLatency = "off" }, isPi5: true));
    }

    [Theory]
    [InlineData(nameof(RpicamOptions.Roi), "0.5,0.5,0.6,0.2", "Source:Rpicam:Roi: '0.5,0.5,0.6,0.2' must be fractions with x+w ≤ 1 and y+h ≤ 1")]
    [InlineData(nameof(RpicamOptions.AwbGains), "1.5", "Source:Rpicam:AwbGains: '1.5' is not r,b")]
    [InlineData(nameof(RpicamOptions.LensPosition), "near", "Source:Rpicam:LensPosition: 'near' is not auto or dioptres between 0 and 32")]
    [InlineData(nameof(RpicamOptions.LowLatency), "yes", "Source:Rpicam:LowLatency: 'yes' is not auto, on or off")]
    public void BadOptionsAreOneLineNamingTheKey(string property, string value, string expected)
    {
        var o = new RpicamOptions();
        typeof(RpicamOptions).GetProperty(property)!.SetValue(o, value);
        Assert.Equal(expected, Assert.Throws<CameraException>(o.Validate).Message);
    }

    [Fact]
    public void AMissingRpicamVidIsOneLineNamingIt()
    {
        var source = new RpicamSource(new RpicamOptions { Executable = "rpicam-vid-not-installed" }, TimeProvider.System, NullLogger.Instance, isPi5: false);
        var e = Assert.Throws<CameraException>(() => source.ResolveExecutable());
        Assert.StartsWith("Source:Kind rpicam: rpicam-vid-not-installed not found", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task PaddedRowsAreReadAtTheirStrideAndClassifyLikeUnpaddedFrames()
    {
        // 600 px rows padded to a 640-byte stride (64-byte alignment), chroma rows of 300 padded to 320, the padding
        // filled with noise: what rpicam-vid writes for a width that is not a multiple of the alignment.
        const int width = 600, height = 450, stride = 640;
        var photos = Media.Photos;
        var packed = photos.Select(p => Media.Ffmpeg("-i", Path.Combine(TestAssets.Images, p), "-vf", $"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")).ToList();
        Assert.All(packed, f => Assert.Equal(FrameGeometry.BytesPerFrame(PixelFormat.I420, width, height), f.Length));
        var dir = TestAssets.NewTempDir();
        var recording = Path.Combine(dir, "padded.yuv");
        var noise = new Random(14);
        await using (var file = File.Create(recording))
        {
            foreach (var frame in packed)
            {
                file.Write(Pad(frame, width, height, stride, noise));
            }
        }

        // A stand-in for rpicam-vid that records its arguments and replays the recording.
        var fake = Path.Combine(dir, "rpicam-vid");
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\necho \"$@\" > '{dir}/args'\nexec cat '{recording}'\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var options = new RpicamOptions { Executable = fake, Width = width, Height = height, RestartMinMs = 10_000 };
        Assert.Equal(stride, options.EffectiveStride);
        var source = new RpicamSource(options, TimeProvider.System, NullLogger.Instance, isPi5: false);
        var sink = new RecordingSink();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        sink.OnEachState = (state, _) =>
        {
            if (state == CaptureState.Degraded)
            {
                cts.Cancel(); // the recording ended
            }
        };
        await source.RunAsync(sink, cts.Token).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(string.Join(' ', source.Arguments), (await File.ReadAllTextAsync(Path.Combine(dir, "args"), TestContext.Current.CancellationToken)).Trim());
        Assert.Equal(photos.Length, sink.Frames.Count);

        using var classifier = Media.LoadZooModel();
        var preprocessor = new Preprocessor(classifier.Input, PreprocessOptions.ImageNet);
        for (var i = 0; i < photos.Length; i++)
        {
            var f = sink.Frames[i];
            Assert.Equal((CaptureFormat.I420, stride), (f.Format, f.Stride));
            byte[]? scratch = null;
            var fromPadded = FrameUnpacker.ToRgb(new CapturedFrame(f.Data, f.Format, f.Width, f.Height, f.Stride, f.TimestampNs, f.Sequence), 0, ref scratch);
            var unpadded = new RgbImage(width, height);
            PixelConverter.ToRgb(packed[i], PixelFormat.I420, width, height, unpadded);
            Assert.Equal(unpadded.Pixels, fromPadded.Pixels);

            preprocessor.Run(unpadded, classifier.InputBuffer);
            var expected = classifier.Run().ToArray();
            preprocessor.Run(fromPadded, classifier.InputBuffer);
            Assert.Equal(expected, classifier.Run().ToArray());

            // Read as if packed (the bug this source fixes), the same bytes give a different image.
            var naive = new RgbImage(width, height);
            PixelConverter.ToRgb(f.Data.AsSpan(0, packed[i].Length), PixelFormat.I420, width, height, naive);
            Assert.NotEqual(unpadded.Pixels, naive.Pixels);
        }
    }

    private static byte[] Pad(byte[] i420, int width, int height, int stride, Random noise)
    {
        int cw = width / 2, ch = height / 2, cs = stride / 2;
        var output = new byte[(stride * height) + (2 * cs * ch)];
        noise.NextBytes(output);
        for (var y = 0; y < height; y++)
        {
            i420.AsSpan(y * width, width).CopyTo(output.AsSpan(y * stride));
        }

        for (var plane = 0; plane < 2; plane++)
        {
            for (var y = 0; y < ch; y++)
            {
                i420.AsSpan((width * height) + (plane * cw * ch) + (y * cw), cw).CopyTo(output.AsSpan((stride * height) + (plane * cs * ch) + (y * cs)));
            }
        }

        return output;
    }
}
