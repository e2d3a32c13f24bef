using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using EdgeMobileNet.Vision.Tests.Frames;
using SkiaSharp;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Imaging;

/// <summary>The frame decoder writes what <see cref="ImageDecoder"/> returns, into the caller's buffer.</summary>
public sealed class FrameDecoderTests : IDisposable
{
    private static readonly RgbDestination<Target> Into = static (target, width, height) => target.Prepare(width, height);
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0)] // full size
    [InlineData(256)] // dog.jpg at 1/4 (387x304), the others in full
    [InlineData(150)] // dog.jpg at 1/8, elephants and finch at 1/2
    public void Photos_decode_to_the_image_decoders_pixels(int minShortSide)
    {
        var decoder = new FrameDecoder();
        var target = new Target();
        foreach (var file in new[] { "dog.jpg", "cat.jpg", "elephants.jpg", "imagenet_finch.jpeg", "grace_hopper.jpg" })
        {
            var path = Path.Combine(TestAssets.Images, file);
            var expected = minShortSide > 0 ? ImageDecoder.DecodeForTarget(path, minShortSide) : ImageDecoder.Decode(path);

            var size = decoder.DecodeFile(path, minShortSide, target, Into);

            Assert.Equal((expected.Width, expected.Height), size);
            Assert.Equal((expected.Width, expected.Height), (target.Width, target.Height));
            Assert.True(expected.Pixels.AsSpan().SequenceEqual(target.Pixels), $"{file} at {minShortSide}: pixels differ from ImageDecoder's");
        }
    }

    [Fact]
    public void An_ffmpeg_mjpeg_frame_decodes_to_the_image_decoders_pixels_and_allocates_no_image_buffers()
    {
        var jpeg = Path.Combine(_dir, "frame.jpg");
        Ffmpeg.Run("-i", Path.Combine(TestAssets.Images, "dog.jpg"), "-vf", "scale=640:480", "-frames:v", "1", "-q:v", "3", jpeg);
        var bytes = File.ReadAllBytes(jpeg);
        var decoder = new FrameDecoder();
        var target = new Target();

        Assert.Equal((640, 480), decoder.Decode(bytes, "frame", 0, target, Into));
        Assert.True(ImageDecoder.Decode(bytes, "frame").Pixels.AsSpan().SequenceEqual(target.Pixels));

        // ImageDecoder allocates 2.1 MB per 640x480 frame (RGBA, then RGB); here only Skia's codec objects remain.
        var buffer = target.Pixels;
        var most = 0L;
        for (var i = 0; i < 20; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            decoder.Decode(bytes, "frame", 0, target, Into);
            most = Math.Max(most, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"most bytes allocated by one decode: {most}");
        Assert.Same(buffer, target.Pixels);
        Assert.True(most < 16 * 1024, $"a decode allocated {most} bytes");
    }

    [Fact]
    public void Png_and_turned_jpeg_take_the_whole_image_path_with_the_same_result()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(37, 23, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var random = new Random(5);
        for (var y = 0; y < 23; y++)
        {
            for (var x = 0; x < 37; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        var turned = ExifJpeg.WithOrientation(jpeg.ToArray(), 6);
        var decoder = new FrameDecoder();
        var target = new Target();
        foreach (var (name, bytes) in new[] { ("p.png", png.ToArray()), ("t.jpg", turned), ("j.jpg", jpeg.ToArray()) })
        {
            var expected = ImageDecoder.Decode(bytes, name);
            Assert.Equal(name == "t.jpg" ? (23, 37) : (37, 23), (expected.Width, expected.Height)); // orientation 6 turns it
            Assert.Equal((expected.Width, expected.Height), decoder.Decode(bytes, name, 0, target, Into));
            Assert.True(expected.Pixels.AsSpan().SequenceEqual(target.Pixels), $"{name}: pixels differ");
        }
    }

    [Fact]
    public void Bad_input_gives_the_image_decoders_messages()
    {
        var decoder = new FrameDecoder();
        var target = new Target();
        var cat = File.ReadAllBytes(Path.Combine(TestAssets.Images, "cat.jpg"));
        var cut = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(cut, cat[..(cat.Length / 2)]);
        var empty = Path.Combine(_dir, "empty.jpg");
        File.WriteAllBytes(empty, []);
        var text = Path.Combine(_dir, "notes.jpg");
        File.WriteAllText(text, "camera 3: lens cleaned on Tuesday\n");

        foreach (var path in new[] { cut, empty, text, Path.Combine(_dir, "absent.jpg"), _dir })
        {
            var expected = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(path)).Message;
            var got = Assert.Throws<EdgeMobileNetException>(() => decoder.DecodeFile(path, 0, target, Into)).Message;
            Assert.Equal(expected, got);
        }

        Assert.Equal(
            $"{cut}: not a decodable image (truncated data)",
            Assert.Throws<EdgeMobileNetException>(() => decoder.Decode(cat.AsSpan(0, cat.Length / 2), cut, 0, target, Into)).Message);
    }

    /// <summary>A reusable RGB buffer like the station's frame buffers: reallocated only when the size changes.</summary>
    private sealed class Target
    {
        public byte[] Pixels { get; private set; } = [];

        public int Width { get; private set; }

        public int Height { get; private set; }

        public Span<byte> Prepare(int width, int height)
        {
            if (Pixels.Length != width * height * 3)
            {
                Pixels = new byte[width * height * 3];
            }

            (Width, Height) = (width, height);
            return Pixels;
        }
    }
}
