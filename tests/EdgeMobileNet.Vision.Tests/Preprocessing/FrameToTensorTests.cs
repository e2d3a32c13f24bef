using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision.Tests.Frames;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Preprocessing;

/// <summary>
/// The one-pass frame-to-tensor path against the two-step one it replaces (<see cref="PixelConverter.ToRgb"/> of the
/// whole frame, crop the region, <see cref="Preprocessor.Run"/>): the same float tensor bit for bit, for every pixel
/// format, odd sizes and odd regions; the shared photos give the reference tensors exactly; into the managed engine's
/// quantised input it gives the same logits as the float path through the engine's own quantisation.
/// </summary>
public sealed class FrameToTensorTests : IDisposable
{
    private static readonly ModelInputInfo Nchw = new("input", TensorLayout.Nchw, 3, 224, 224, TensorElementKind.Float32);
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<PixelFormat, int, int, int, int, int, int> Cases()
    {
        var data = new TheoryData<PixelFormat, int, int, int, int, int, int>();
        foreach (var f in Enum.GetValues<PixelFormat>())
        {
            data.Add(f, 640, 480, 0, 0, 640, 480);
            data.Add(f, 641, 479, 0, 0, 641, 479);      // odd frame: chroma planes round up
            data.Add(f, 640, 480, 101, 37, 333, 301);   // odd region offsets and sizes
            data.Add(f, 300, 260, 3, 1, 297, 259);      // region barely larger than the crop's resize
            data.Add(f, 1280, 720, 640, 360, 640, 360); // bottom-right quarter, downscale
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_convert_crop_and_preprocess(PixelFormat format, int w, int h, int rx, int ry, int rw, int rh)
    {
        var frame = new byte[FrameGeometry.BytesPerFrame(format, w, h)];
        new Random((w * 7) + h + (int)format).NextBytes(frame);
        var region = new FrameRegion(rx, ry, rw, rh);
        foreach (var input in new[] { Nchw, Nchw with { Layout = TensorLayout.Nhwc }, Nchw with { Height = 160, Width = 192 } })
        {
            var expected = TwoStep(frame, format, w, h, region, input);
            var actual = new float[input.ElementCount];
            new FrameToTensor(input, PreprocessOptions.ImageNet).Write(frame, format, w, h, region, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.NV12)]
    [InlineData(PixelFormat.YUYV)]
    [InlineData(PixelFormat.RGB24)]
    [InlineData(PixelFormat.GRAY8)]
    public void Equals_two_step_on_an_ffmpeg_frame_of_a_photo(PixelFormat format)
    {
        var (frame, w, h) = FfmpegFrame(format);
        var expected = TwoStep(frame, format, w, h, FrameRegion.Full(w, h), Nchw);
        var actual = new float[Nchw.ElementCount];
        new FrameToTensor(Nchw, PreprocessOptions.ImageNet).Write(frame, format, w, h, FrameRegion.Full(w, h), actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(ReferenceTensorTests.Images), MemberType = typeof(ReferenceTensorTests))]
    public void Decoded_photo_gives_the_reference_tensor(string file, string stem)
    {
        var image = ImageDecoder.Decode(Path.Combine(TestAssets.Images, file));
        var reference = Npy.Read(TestAssets.Require($"models/reference/inputs/{stem}_input_f32_1x3x224x224.npy")).Float32!;
        var expected = new float[Nchw.ElementCount];
        new Preprocessor(Nchw, PreprocessOptions.ImageNet).Run(image, expected);
        var actual = new float[Nchw.ElementCount];
        new FrameToTensor(Nchw, PreprocessOptions.ImageNet).Write(image.Pixels, PixelFormat.RGB24, image.Width, image.Height, FrameRegion.Full(image.Width, image.Height), actual);

        Assert.Equal(expected, actual);
        var worst = actual.Zip(reference, (a, b) => MathF.Abs(a - b)).Max();
        TestContext.Current.TestOutputHelper?.WriteLine($"{stem}: max |diff| to the reference tensor {worst}");
        Assert.True(worst <= 0.036f, $"{stem}: {worst}"); // the decoder bound of ReferenceTensorTests (measured: 0)
    }

    [Theory]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.YUYV)]
    [InlineData(PixelFormat.RGB24)]
    public void Quantised_input_gives_the_float_paths_logits(PixelFormat format)
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" });
        var (frame, w, h) = FfmpegFrame(format);
        var rgb = new RgbImage(w, h);
        PixelConverter.ToRgb(frame, format, w, h, rgb);
        new Preprocessor(engine.Input, PreprocessOptions.ImageNet).Run(rgb, engine.InputBuffer);
        var expected = engine.Run().ToArray();

        var f2t = new FrameToTensor(engine, PreprocessOptions.ImageNet);
        Assert.True(f2t.WritesQuantized);
        f2t.Write(frame, format, w, h);
        var actual = f2t.Run().ToArray();
        Assert.Equal(expected, actual);

        // Another frame in between must not leak into the next result.
        var noise = new byte[frame.Length];
        new Random(5).NextBytes(noise);
        f2t.Write(noise, format, w, h);
        Assert.NotEqual(expected, f2t.Run().ToArray());
        f2t.Write(frame, format, w, h);
        Assert.Equal(expected, f2t.Run().ToArray());
    }

    [Fact]
    public void Float_model_takes_the_float_input()
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.DerivedFloat, new ClassifierOptions { Engine = "managed" });
        var f2t = new FrameToTensor(engine, PreprocessOptions.ImageNet);
        Assert.False(f2t.WritesQuantized);
        var (frame, w, h) = FfmpegFrame(PixelFormat.I420);
        f2t.Write(frame, PixelFormat.I420, w, h);
        Assert.Equal(TwoStep(frame, PixelFormat.I420, w, h, FrameRegion.Full(w, h), engine.Input), engine.InputBuffer.ToArray());
    }

    [Theory]
    [InlineData(PixelFormat.I420)]
    [InlineData(PixelFormat.YUYV)]
    public void A_frame_stream_allocates_nothing(PixelFormat format)
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" });
        var f2t = new FrameToTensor(engine, PreprocessOptions.ImageNet);
        var frame = new byte[FrameGeometry.BytesPerFrame(format, 640, 480)];
        Allocations.AssertSteadyStateIsAllocationFree(() => { f2t.Write(frame, format, 640, 480); f2t.Run(); }, runs: 10);
    }

    [Fact]
    public void Region_outside_the_frame_is_refused_with_sizes()
    {
        var f2t = new FrameToTensor(Nchw, PreprocessOptions.ImageNet);
        var ex = Assert.Throws<EdgeMobileNetException>(() => f2t.Write(new byte[640 * 480 * 3], PixelFormat.RGB24, 640, 480, new FrameRegion(400, 0, 300, 480), new float[Nchw.ElementCount]));
        Assert.Equal("region 300x480 at (400,0) is outside the 640x480 frame", ex.Message);
        Assert.Throws<EdgeMobileNetException>(() => f2t.Write(new byte[100], PixelFormat.I420, 640, 480, FrameRegion.Full(640, 480), new float[Nchw.ElementCount]));
    }

    /// <summary>The path this replaces: the whole frame to RGB, the region copied out, then the preprocessor.</summary>
    private static float[] TwoStep(byte[] frame, PixelFormat format, int w, int h, FrameRegion r, ModelInputInfo input)
    {
        var rgb = new RgbImage(w, h);
        PixelConverter.ToRgb(frame, format, w, h, rgb);
        var part = new RgbImage(r.Width, r.Height);
        for (var y = 0; y < r.Height; y++)
        {
            Array.Copy(rgb.Pixels, (((r.Y + y) * w) + r.X) * 3, part.Pixels, y * r.Width * 3, r.Width * 3);
        }

        var tensor = new float[input.ElementCount];
        new Preprocessor(input, PreprocessOptions.ImageNet).Run(part, tensor);
        return tensor;
    }

    /// <summary>A shared photo scaled to 640x480 and converted by ffmpeg to a raw frame of the format.</summary>
    private (byte[] Frame, int Width, int Height) FfmpegFrame(PixelFormat format)
    {
        var name = format switch
        {
            PixelFormat.I420 => "yuv420p",
            PixelFormat.NV12 => "nv12",
            PixelFormat.YUYV => "yuyv422",
            PixelFormat.RGB24 => "rgb24",
            _ => "gray",
        };
        var path = Path.Combine(_dir, $"{name}.raw");
        Ffmpeg.Run("-i", Path.Combine(TestAssets.Images, "dog.jpg"), "-vf", "scale=640:480", "-frames:v", "1", "-pix_fmt", name, "-f", "rawvideo", path);
        return (File.ReadAllBytes(path), 640, 480);
    }
}
