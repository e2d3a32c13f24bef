using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Frames;

public sealed class PixelConverterTests : IDisposable
{
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<PixelFormat> Formats => new(Enum.GetValues<PixelFormat>());

    public static TheoryData<PixelFormat, int, int> FormatsAndSizes
    {
        get
        {
            var data = new TheoryData<PixelFormat, int, int>();
            foreach (var f in Enum.GetValues<PixelFormat>())
            {
                data.Add(f, 320, 240);
                data.Add(f, 97, 55); // odd: chroma planes round up
            }

            return data;
        }
    }

    [Theory]
    [InlineData(PixelFormat.I420, 640, 480, 460800)]
    [InlineData(PixelFormat.NV12, 640, 480, 460800)]
    [InlineData(PixelFormat.YUYV, 640, 480, 614400)]
    [InlineData(PixelFormat.RGB24, 640, 480, 921600)]
    [InlineData(PixelFormat.GRAY8, 640, 480, 307200)]
    [InlineData(PixelFormat.I420, 97, 55, 8079)]   // 97*55 + 2 * 49*28
    [InlineData(PixelFormat.YUYV, 97, 55, 10780)]  // 49 pairs * 4 bytes * 55 rows
    [InlineData(PixelFormat.I420, 1, 1, 3)]
    public void Bytes_per_frame(PixelFormat format, int w, int h, int expected)
    {
        Assert.Equal(expected, FrameGeometry.BytesPerFrame(format, w, h));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Matches_naive_per_pixel_conversion(PixelFormat format)
    {
        foreach (var (w, h) in new[] { (64, 48), (37, 23), (1, 1), (2, 3) })
        {
            var frame = new byte[FrameGeometry.BytesPerFrame(format, w, h)];
            new Random((w * 1000) + h).NextBytes(frame); // full 0..255 range, so clamping is exercised too
            var expected = NaiveYuv.ToRgb(frame, format, w, h);

            var actual = new RgbImage(w, h);
            PixelConverter.ToRgb(frame, format, w, h, actual);

            // The naive side uses the 6-decimal published coefficients; exact ones differ by < 5e-7 each, which can
            // only move a value sitting right at x.5. Measured: identical on all of these frames.
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual.Pixels[i]) <= 1, $"{format} {w}x{h} byte {i}: {actual.Pixels[i]} vs naive {expected[i]}");
            }

            Assert.True(expected.Zip(actual.Pixels).Count(p => p.First != p.Second) <= expected.Length / 1000, $"{format} {w}x{h}: too many off-by-one values");
        }
    }

    [Theory]
    [MemberData(nameof(FormatsAndSizes))]
    public void Frame_sizes_match_ffmpeg_rawvideo(PixelFormat format, int w, int h)
    {
        Assert.Equal(TestPattern(format, w, h).Length, FrameGeometry.BytesPerFrame(format, w, h));
    }

    // Odd sizes only for the unsubsampled formats: for an odd width ffmpeg stretches the 49-sample chroma row over
    // 97 pixels (scale 49/97) instead of giving each chroma sample its two pixels, so its nearest-sample choice drifts
    // off the standard siting by one sample across the row. The naive comparison covers odd YUV sizes instead.
    [Theory]
    [InlineData(PixelFormat.I420, 320, 240)]
    [InlineData(PixelFormat.NV12, 320, 240)]
    [InlineData(PixelFormat.YUYV, 320, 240)]
    [InlineData(PixelFormat.I420, 64, 48)]
    [InlineData(PixelFormat.NV12, 64, 48)]
    [InlineData(PixelFormat.YUYV, 64, 48)]
    [InlineData(PixelFormat.RGB24, 97, 55)]
    [InlineData(PixelFormat.GRAY8, 97, 55)]
    [InlineData(PixelFormat.GRAY8, 320, 240)]
    public void Matches_ffmpeg_accurate_conversion_of_its_test_pattern(PixelFormat format, int w, int h)
    {
        var frame = TestPattern(format, w, h);
        Assert.Equal(FrameGeometry.BytesPerFrame(format, w, h), frame.Length);

        // neighbor + full_chroma_int: nearest chroma sample for every pixel; accurate_rnd: exact rounding.
        var reference = ConvertWithFfmpeg(format, w, h, "neighbor+full_chroma_int+accurate_rnd");
        var actual = new RgbImage(w, h);
        PixelConverter.ToRgb(frame, format, w, h, actual);

        var (mean, max) = Diff(actual.Pixels, reference);
        TestContext.Current.TestOutputHelper?.WriteLine($"{format} {w}x{h} vs ffmpeg accurate: mean {mean:F4}, max {max}");

        // Measured: RGB24 and GRAY8 identical; the YUV formats mean <= 0.0003 with a rare off-by-one, where the
        // exact BT.601 coefficients used here and ffmpeg's own constants land on opposite sides of a half.
        Assert.True(max <= 1 && mean <= 0.01, $"{format}: mean {mean} max {max}");
    }

    [Theory]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.YUYV)]
    [InlineData(PixelFormat.GRAY8)]
    [InlineData(PixelFormat.RGB24)]
    public void Stays_close_to_ffmpeg_default_conversion(PixelFormat format)
    {
        const int w = 320, h = 240;
        var frame = TestPattern(format, w, h);
        var reference = ConvertWithFfmpeg(format, w, h, flags: null);
        var actual = new RgbImage(w, h);
        PixelConverter.ToRgb(frame, format, w, h, actual);

        var (mean, max) = Diff(actual.Pixels, reference);
        TestContext.Current.TestOutputHelper?.WriteLine($"{format} {w}x{h} vs ffmpeg default: mean {mean:F4}, max {max}");

        // ffmpeg's default path uses fast lookup tables with ~8-bit coefficient precision, hence small differences
        // (measured at 320x240: mean 0.64 / max 3 for I420, 0.90 / 3 for YUYV, identical for GRAY8 and RGB24). NV12 is
        // not compared here: by default ffmpeg interpolates its chroma (bicubic), which moves colour edges by up to
        // ~60 levels; the accurate comparison above covers NV12 sample for sample.
        Assert.True(max <= 4 && mean <= 1.0, $"{format}: mean {mean} max {max}");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Conversion_allocates_nothing(PixelFormat format)
    {
        var frame = new byte[FrameGeometry.BytesPerFrame(format, 64, 48)];
        var rgb = new RgbImage(64, 48);
        Allocations.AssertSteadyStateIsAllocationFree(() => PixelConverter.ToRgb(frame, format, 64, 48, rgb));
    }

    [Fact]
    public void Short_frame_is_rejected_with_sizes()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => PixelConverter.ToRgb(new byte[100], PixelFormat.I420, 16, 8, new RgbImage(16, 8)));
        Assert.Equal("I420 frame 16x8 must be 192 bytes, got 100", ex.Message);
    }

    [Fact]
    public void Destination_of_another_size_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => PixelConverter.ToRgb(new byte[192], PixelFormat.I420, 16, 8, new RgbImage(8, 16)));
    }

    [Theory]
    [InlineData("yuv420p", PixelFormat.I420)]
    [InlineData("YUV420", PixelFormat.I420)]
    [InlineData("nv12", PixelFormat.NV12)]
    [InlineData("yuyv422", PixelFormat.YUYV)]
    [InlineData("rgb24", PixelFormat.RGB24)]
    [InlineData("gray", PixelFormat.GRAY8)]
    public void Parses_ffmpeg_and_camera_names(string name, PixelFormat expected)
    {
        Assert.Equal(expected, FrameGeometry.ParseFormat(name));
    }

    [Fact]
    public void Unknown_format_name_lists_the_accepted_ones()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => FrameGeometry.ParseFormat("mjpeg"));
        Assert.Contains("'mjpeg'", ex.Message);
        Assert.Contains("nv12", ex.Message);
    }

    private static string FfmpegName(PixelFormat format) => format switch
    {
        PixelFormat.I420 => "yuv420p",
        PixelFormat.NV12 => "nv12",
        PixelFormat.YUYV => "yuyv422",
        PixelFormat.RGB24 => "rgb24",
        _ => "gray",
    };

    private byte[] TestPattern(PixelFormat format, int w, int h)
    {
        var path = Path.Combine(_dir, $"pattern_{format}_{w}x{h}.raw");
        // testsrc2 only renders even sizes; an RGB crop gives odd ones, which the format conversion then rounds up.
        var source = $"testsrc2=size={(w + 1) & ~1}x{(h + 1) & ~1}:rate=1,format=rgb24,crop={w}:{h}:0:0";
        Ffmpeg.Run("-f", "lavfi", "-i", source, "-frames:v", "1", "-pix_fmt", FfmpegName(format), "-f", "rawvideo", path);
        return File.ReadAllBytes(path);
    }

    private byte[] ConvertWithFfmpeg(PixelFormat format, int w, int h, string? flags)
    {
        var input = Path.Combine(_dir, $"pattern_{format}_{w}x{h}.raw");
        var output = Path.Combine(_dir, $"ffmpeg_{format}_{w}x{h}_{flags?.Replace('+', '_') ?? "default"}.rgb");
        string[] scale = flags is null ? [] : ["-sws_flags", flags];
        Ffmpeg.Run(["-f", "rawvideo", "-pix_fmt", FfmpegName(format), "-s", $"{w}x{h}", "-i", input, .. scale, "-pix_fmt", "rgb24", "-f", "rawvideo", output]);
        return File.ReadAllBytes(output);
    }

    private static (double Mean, int Max) Diff(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        long sum = 0;
        var max = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs(a[i] - b[i]);
            sum += d;
            max = Math.Max(max, d);
        }

        return ((double)sum / a.Length, max);
    }
}
