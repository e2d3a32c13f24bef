using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using SkiaSharp;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Imaging;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Missing_file_is_named()
    {
        var path = Path.Combine(_dir, "absent.jpg");
        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(path));
        Assert.Equal($"{path}: file not found", ex.Message);
    }

    [Fact]
    public void Empty_file_is_not_decodable()
    {
        var path = Path.Combine(_dir, "empty.jpg");
        File.WriteAllBytes(path, []);
        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(path));
        Assert.Equal($"{path}: not a decodable image (empty file)", ex.Message);
    }

    [Fact]
    public void Text_file_named_jpg_is_not_decodable()
    {
        var path = Path.Combine(_dir, "notes.jpg");
        File.WriteAllText(path, "camera 3: lens cleaned on Tuesday\n");
        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(path));
        Assert.Equal($"{path}: not a decodable image (unknown format)", ex.Message);
    }

    [Fact]
    public void Truncated_jpeg_is_not_decodable()
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestAssets.Images, "cat.jpg"));
        var path = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(path));
        Assert.Equal($"{path}: not a decodable image (truncated data)", ex.Message);
    }

    [Fact]
    public void Jpeg_header_without_scan_is_not_decodable()
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestAssets.Images, "cat.jpg"));
        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(bytes.AsSpan(0, 200), "frame#7"));
        Assert.StartsWith("frame#7: not a decodable image (", ex.Message);
    }

    [Fact]
    public void Directory_path_is_an_error_not_a_crash()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(_dir));
        Assert.StartsWith(_dir + ": ", ex.Message);
    }

    [Fact]
    public void Header_claiming_a_huge_image_is_refused_before_allocating()
    {
        // A 54-byte BMP header announcing 20000x20000 pixels at 24 bits, with no pixel data behind it.
        var bmp = new byte[54];
        "BM"u8.CopyTo(bmp);
        BitConverter.TryWriteBytes(bmp.AsSpan(2), 54 + (20000 * 60000));
        BitConverter.TryWriteBytes(bmp.AsSpan(10), 54);     // pixel data offset
        BitConverter.TryWriteBytes(bmp.AsSpan(14), 40);     // BITMAPINFOHEADER
        BitConverter.TryWriteBytes(bmp.AsSpan(18), 20000);  // width
        BitConverter.TryWriteBytes(bmp.AsSpan(22), 20000);  // height
        BitConverter.TryWriteBytes(bmp.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(bmp.AsSpan(28), (short)24);

        var ex = Assert.Throws<EdgeMobileNetException>(() => ImageDecoder.Decode(bmp, "huge.bmp"));
        Assert.StartsWith("huge.bmp: not a decodable image (", ex.Message);
        TestContext.Current.TestOutputHelper?.WriteLine(ex.Message);
    }

    [Fact]
    public void Shared_photos_decode_at_their_catalogued_sizes()
    {
        // Sizes from the asset manifest.
        foreach (var (file, w, h) in new[] { ("imagenet_finch.jpeg", 500, 416), ("elephants.jpg", 660, 495), ("dog.jpg", 1546, 1213), ("cat.jpg", 480, 360), ("grace_hopper.jpg", 517, 606) })
        {
            var image = ImageDecoder.Decode(Path.Combine(TestAssets.Images, file));
            Assert.Equal((w, h), (image.Width, image.Height));
        }
    }

    [Fact]
    public void Png_is_lossless_and_alpha_is_dropped_without_compositing()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var colours = new[] { (10, 20, 30, 255), (200, 100, 0, 128), (1, 2, 3, 0), (255, 255, 255, 255), (0, 0, 0, 255), (90, 180, 45, 10) };
        // Raw bytes, not SetPixel: the colour API premultiplies, which would zero the fully transparent pixel.
        var rgba = colours.SelectMany(c => new[] { (byte)c.Item1, (byte)c.Item2, (byte)c.Item3, (byte)c.Item4 }).ToArray();
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var image = ImageDecoder.Decode(png.AsSpan(), "mem.png");

        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(colours.SelectMany(c => new[] { (byte)c.Item1, (byte)c.Item2, (byte)c.Item3 }), image.Pixels);
    }

    [Fact]
    public void Grayscale_png_becomes_grey_rgb()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(4, 1, SKColorType.Gray8, SKAlphaType.Opaque));
        byte[] levels = [0, 17, 128, 255];
        System.Runtime.InteropServices.Marshal.Copy(levels, 0, bitmap.GetPixels(), levels.Length);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var image = ImageDecoder.Decode(png.AsSpan(), "gray.png");
        Assert.Equal(levels.SelectMany(v => new[] { v, v, v }), image.Pixels);
    }

    // Stored image (64x32): red top-left, green top-right, blue bottom-left, white bottom-right quadrant.
    // Expected upright quadrants (TL, TR, BL, BR) per EXIF orientation, worked out from the tag's definition.
    [Theory]
    [InlineData(1, "RGBW")] // as stored
    [InlineData(2, "GRWB")] // mirrored left-right
    [InlineData(3, "WBGR")] // rotated 180°
    [InlineData(4, "BWRG")] // mirrored top-bottom
    [InlineData(5, "RBGW")] // transposed (mirror across the top-left/bottom-right diagonal)
    [InlineData(6, "BRWG")] // displayed after turning 90° clockwise
    [InlineData(7, "WGBR")] // transversed (mirror across the other diagonal)
    [InlineData(8, "GWRB")] // displayed after turning 90° counter-clockwise
    public void Exif_orientation_is_applied(int orientation, string quadrants)
    {
        var jpeg = ExifJpeg.WithOrientation(QuadrantJpeg(), orientation);
        var image = ImageDecoder.Decode(jpeg, $"o{orientation}.jpg");

        var swapped = orientation >= 5;
        Assert.Equal(swapped ? (32, 64) : (64, 32), (image.Width, image.Height));
        int qw = image.Width / 2, qh = image.Height / 2;
        var centres = new[] { (qw / 2, qh / 2), (qw + (qw / 2), qh / 2), (qw / 2, qh + (qh / 2)), (qw + (qw / 2), qh + (qh / 2)) };
        for (var q = 0; q < 4; q++)
        {
            var (x, y) = centres[q];
            var i = ((y * image.Width) + x) * 3;
            var expected = Colour(quadrants[q]);
            Assert.True(
                Math.Abs(image.Pixels[i] - expected.R) <= 12 && Math.Abs(image.Pixels[i + 1] - expected.G) <= 12 && Math.Abs(image.Pixels[i + 2] - expected.B) <= 12,
                $"orientation {orientation}, quadrant {q}: got {image.Pixels[i]},{image.Pixels[i + 1]},{image.Pixels[i + 2]}, expected {quadrants[q]}");
        }
    }

    [Fact]
    public void Decode_for_target_uses_the_smallest_jpeg_scale_that_still_covers_it()
    {
        var path = Path.Combine(TestAssets.Images, "dog.jpg");

        // 1546x1213: 1/8 gives 194x152 (too small for 256), 1/4 gives 387x304 (ceil of each side / 4).
        var quarter = ImageDecoder.DecodeForTarget(path, 256);
        Assert.Equal((387, 304), (quarter.Width, quarter.Height));

        // 1/8 covers 150.
        var eighth = ImageDecoder.DecodeForTarget(path, 150);
        Assert.Equal((194, 152), (eighth.Width, eighth.Height));

        // cat.jpg is 480x360: less than twice 256, so it is decoded in full.
        var cat = ImageDecoder.DecodeForTarget(Path.Combine(TestAssets.Images, "cat.jpg"), 256);
        Assert.Equal((480, 360), (cat.Width, cat.Height));
    }

    [Fact]
    public void Scaled_decode_stays_close_to_the_full_decode_after_preprocessing()
    {
        var path = Path.Combine(TestAssets.Images, "dog.jpg");
        var input = new ModelInputInfo("input", TensorLayout.Nhwc, 3, 224, 224, TensorElementKind.UInt8);
        var pre = new Preprocessor(input, PreprocessOptions.ImageNet);
        var full = new RgbImage(224, 224);
        var fast = new RgbImage(224, 224);
        pre.RunToRgb(ImageDecoder.Decode(path), full);
        pre.RunToRgb(ImageDecoder.DecodeForTarget(path, 256), fast);

        // Not bit-exact (that is why it is opt-in), but the same picture: both are area averages of the same
        // photo. Measured mean abs diff 3.27 levels (of 255) on this furry close-up.
        var mean = full.Pixels.Zip(fast.Pixels, (a, b) => Math.Abs(a - b)).Average();
        TestContext.Current.TestOutputHelper?.WriteLine($"scaled decode vs full decode after preprocessing: mean abs diff {mean:F3}");
        Assert.True(mean < 5, $"mean abs diff {mean}");
    }

    private static (int R, int G, int B) Colour(char c) => c switch
    {
        'R' => (255, 0, 0),
        'G' => (0, 255, 0),
        'B' => (0, 0, 255),
        _ => (255, 255, 255),
    };

    private static byte[] QuadrantJpeg()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(64, 32, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                var (r, g, b) = Colour("RGBW"[(y / 16 * 2) + (x / 32)]);
                bitmap.SetPixel(x, y, new SKColor((byte)r, (byte)g, (byte)b));
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
        return data.ToArray();
    }
}
