using System.Diagnostics;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Preprocessing;

public class PreprocessorTests
{
    private static ModelInputInfo Input(TensorLayout layout, TensorElementKind kind = TensorElementKind.Float32, int w = 224, int h = 224) =>
        new("input", layout, 3, h, w, kind);

    [Fact]
    public void Nhwc_and_nchw_hold_the_same_values_in_their_own_order()
    {
        var image = TestImages.Noisy(301, 257, seed: 5);
        var nchw = new float[3 * 224 * 224];
        var nhwc = new float[3 * 224 * 224];
        new Preprocessor(Input(TensorLayout.Nchw), PreprocessOptions.ImageNet).Run(image, nchw);
        new Preprocessor(Input(TensorLayout.Nhwc), PreprocessOptions.ImageNet).Run(image, nhwc);

        const int plane = 224 * 224;
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(nchw[(c * plane) + i], nhwc[(i * 3) + c]);
            }
        }
    }

    [Fact]
    public void Uint8_model_gets_the_raw_crop_values()
    {
        var image = TestImages.Noisy(400, 300, seed: 9);
        var pre = new Preprocessor(Input(TensorLayout.Nhwc, TensorElementKind.UInt8), PreprocessOptions.ImageNet);
        var tensor = new float[3 * 224 * 224];
        pre.Run(image, tensor);

        var crop = new RgbImage(224, 224);
        pre.RunToRgb(image, crop);
        Assert.Equal(crop.Pixels, pre.LastCrop.Pixels);
        for (var i = 0; i < tensor.Length; i++)
        {
            Assert.Equal(crop.Pixels[i], tensor[i]);
        }
    }

    [Fact]
    public void Mean_and_std_come_from_the_options()
    {
        var options = new PreprocessOptions { Mean = [0.5f, 0.25f, 0f], Std = [0.5f, 2f, 1f] };
        var pre = new Preprocessor(Input(TensorLayout.Nchw), options);
        var image = TestImages.Noisy(250, 260, seed: 3);
        var tensor = new float[3 * 224 * 224];
        pre.Run(image, tensor);

        const int plane = 224 * 224;
        var crop = pre.LastCrop.Pixels;
        for (var i = 0; i < plane; i++)
        {
            // Computed in double here; float32 in the preprocessor, so allow its rounding.
            Assert.Equal((crop[i * 3] / 255.0 - 0.5) / 0.5, tensor[i], 1e-6);
            Assert.Equal((crop[(i * 3) + 1] / 255.0 - 0.25) / 2.0, tensor[plane + i], 1e-6);
            Assert.Equal(crop[(i * 3) + 2] / 255.0, tensor[(2 * plane) + i], 1e-6);
        }
    }

    [Fact]
    public void Non_square_model_crops_its_own_width_and_height()
    {
        var pre = new Preprocessor(Input(TensorLayout.Nhwc, w: 160, h: 128), new PreprocessOptions { ResizeRatio = 1.25f });
        Assert.Equal(200, pre.ShortSide); // round(max(160, 128) × 1.25)
        var image = TestImages.Noisy(640, 480, seed: 4);
        var crop = new RgbImage(160, 128);
        pre.RunToRgb(image, crop);

        // Same thing spelled out: resize the shorter side (480) to 200 → 266x200, then crop 160x128 at (53, 36).
        var full = new RgbImage(266, 200);
        new BilinearResampler().ResizeCrop(image, new ResizeGeometry(266, 200, 0, 0, 266, 200), full);
        for (var y = 0; y < 128; y++)
        {
            Assert.True(full.Pixels.AsSpan((((36 + y) * 266) + 53) * 3, 160 * 3).SequenceEqual(crop.Pixels.AsSpan(y * 160 * 3, 160 * 3)));
        }
    }

    [Theory]
    [InlineData(301, 257, 299, 256, 38, 16)] // 256*301/257 = 299.8 → 299; (299-224)/2 = 37.5 → 38 (even)
    [InlineData(40, 90, 256, 576, 16, 176)]  // upscale: 256*90/40 = 576; (576-224)/2 = 176
    public void Whole_chain_matches_naive_resize_then_crop(int w, int h, int rw, int rh, int cx, int cy)
    {
        var image = TestImages.Noisy(w, h, seed: w + h);
        var crop = new RgbImage(224, 224);
        new Preprocessor(Input(TensorLayout.Nchw), PreprocessOptions.ImageNet).RunToRgb(image, crop);

        var naive = NaiveBilinear.Resize(image, rw, rh);
        for (var y = 0; y < 224; y++)
        {
            for (var x = 0; x < 224 * 3; x++)
            {
                var n = (((cy + y) * rw * 3) + (cx * 3)) + x;
                var d = Math.Abs(naive.Image.Pixels[n] - crop.Pixels[(y * 224 * 3) + x]);
                Assert.True(d == 0 || (d == 1 && naive.Ambiguous[n]), $"crop ({x / 3}, {y}) channel {x % 3}: {crop.Pixels[(y * 224 * 3) + x]} vs naive {naive.Image.Pixels[n]}");
            }
        }
    }

    [Fact]
    public void Steady_state_run_allocates_nothing()
    {
        var pre = new Preprocessor(Input(TensorLayout.Nchw), PreprocessOptions.ImageNet);
        var frame = TestImages.Noisy(640, 480, seed: 1);
        var tensor = new float[3 * 224 * 224];
        Allocations.AssertSteadyStateIsAllocationFree(() => pre.Run(frame, tensor));
    }

    [Fact]
    public void Alternating_frame_sizes_reuse_cached_filters_without_allocating()
    {
        var pre = new Preprocessor(Input(TensorLayout.Nhwc), PreprocessOptions.ImageNet);
        var a = TestImages.Noisy(640, 480, seed: 1);
        var b = TestImages.Noisy(1280, 720, seed: 2);
        var tensor = new float[3 * 224 * 224];
        Allocations.AssertSteadyStateIsAllocationFree(() =>
        {
            pre.Run(a, tensor);
            pre.Run(b, tensor);
        });
    }

    [Fact]
    public void Rejects_a_model_that_is_not_rgb()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() =>
            new Preprocessor(new ModelInputInfo("gray_in", TensorLayout.Nchw, 1, 224, 224, TensorElementKind.Float32), PreprocessOptions.ImageNet));
        Assert.Contains("gray_in", ex.Message);
    }

    [Fact]
    public void Rejects_bad_options_and_wrong_destination_size()
    {
        Assert.Throws<EdgeMobileNetException>(() => new Preprocessor(Input(TensorLayout.Nchw), new PreprocessOptions { Std = [1f, 0f, 1f] }));
        Assert.Throws<EdgeMobileNetException>(() => new Preprocessor(Input(TensorLayout.Nchw), new PreprocessOptions { Mean = [0.5f] }));
        Assert.Throws<EdgeMobileNetException>(() => new Preprocessor(Input(TensorLayout.Nchw), new PreprocessOptions { ResizeRatio = 0.9f }));
        Assert.Throws<EdgeMobileNetException>(() => new Preprocessor(Input(TensorLayout.Nchw), new PreprocessOptions { ResizeRatio = float.NaN }));
        Assert.Throws<EdgeMobileNetException>(() => new Preprocessor(Input(TensorLayout.Nchw), new PreprocessOptions { ResizeRatio = 1e30f }));

        var pre = new Preprocessor(Input(TensorLayout.Nchw), PreprocessOptions.ImageNet);
        var ex = Assert.Throws<ArgumentException>(() => pre.Run(new RgbImage(300, 300), new float[100]));
        Assert.Contains("150528", ex.Message);
    }

    [Fact]
    public void Preprocessing_the_largest_shared_photo_is_repeatable_and_timed()
    {
        var image = ImageDecoder.Decode(Path.Combine(TestAssets.Images, "dog.jpg"));
        Assert.Equal((1546, 1213), (image.Width, image.Height));
        var pre = new Preprocessor(Input(TensorLayout.Nchw), PreprocessOptions.ImageNet);
        var first = new float[3 * 224 * 224];
        var again = new float[3 * 224 * 224];
        pre.Run(image, first);

        const int runs = 20;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            pre.Run(image, again);
        }

        watch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"1546x1213 -> 224x224 preprocess: {watch.Elapsed.TotalMilliseconds / runs:F2} ms per run");
        Assert.Equal(first, again);
    }
}
