using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Vision.Tests.Preprocessing;

/// <summary>
/// Decode + resize + crop (+ normalise) of the five shared photos against the tensors the Python reference pipeline
/// (PIL 9.4 decode, resize BILINEAR, centre crop, NumPy normalise) wrote.
/// <para>
/// Measured on x86-64: every one of the five crops and tensors is bit-identical (mean 0, max 0). The resize is
/// exact by construction; the only allowed slack is the JPEG decoder: libjpeg-turbo's integer IDCT and upsampling are
/// specified bit-exactly, but a SIMD path on another CPU may still round one sample differently. So the bound is
/// max 2 levels and a mean of 0.05 (a systematic resize bug, e.g. an off-by-one tap or crop offset, moves the mean
/// of these photos by far more than that), and 2 levels / 255 / smallest std (0.224) ≈ 0.035 for the tensor.
/// </para>
/// </summary>
public class ReferenceTensorTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "imagenet_finch.jpeg", "imagenet_finch" },
        { "elephants.jpg", "elephants" },
        { "dog.jpg", "dog" },
        { "cat.jpg", "cat" },
        { "grace_hopper.jpg", "grace_hopper" },
    };

    private static readonly ModelInputInfo ZooInput = new("input", TensorLayout.Nchw, 3, 224, 224, TensorElementKind.Float32);

    [Theory]
    [MemberData(nameof(Images))]
    public void Rgb_crop_matches_reference(string file, string stem)
    {
        var image = ImageDecoder.Decode(Path.Combine(TestAssets.Images, file));
        var reference = Npy.Read(TestAssets.Require($"models/reference/inputs/{stem}_rgb_u8_1x224x224x3.npy"));
        Assert.Equal([1, 224, 224, 3], reference.Shape);

        var crop = new RgbImage(224, 224);
        new Preprocessor(ZooInput, PreprocessOptions.ImageNet).RunToRgb(image, crop);

        long sum = 0;
        int max = 0;
        for (var i = 0; i < crop.Pixels.Length; i++)
        {
            var d = Math.Abs(crop.Pixels[i] - reference.UInt8![i]);
            sum += d;
            max = Math.Max(max, d);
        }

        var mean = (double)sum / crop.Pixels.Length;
        TestContext.Current.TestOutputHelper?.WriteLine($"{stem}: rgb crop mean abs diff {mean:F4}, max {max}");
        Assert.True(mean <= 0.05 && max <= 2, $"{stem}: mean {mean:F4} max {max}");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Float_tensor_matches_reference(string file, string stem)
    {
        var image = ImageDecoder.Decode(Path.Combine(TestAssets.Images, file));
        var reference = Npy.Read(TestAssets.Require($"models/reference/inputs/{stem}_input_f32_1x3x224x224.npy"));
        Assert.Equal([1, 3, 224, 224], reference.Shape);

        var tensor = new float[ZooInput.ElementCount];
        new Preprocessor(ZooInput, PreprocessOptions.ImageNet).Run(image, tensor);

        double sum = 0, max = 0;
        for (var i = 0; i < tensor.Length; i++)
        {
            var d = Math.Abs(tensor[i] - reference.Float32![i]);
            sum += d;
            max = Math.Max(max, d);
        }

        var mean = sum / tensor.Length;
        TestContext.Current.TestOutputHelper?.WriteLine($"{stem}: tensor mean abs diff {mean:G4}, max {max:G4}");
        Assert.True(mean <= 0.002 && max <= 0.036, $"{stem}: mean {mean:G4} max {max:G4}");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Normalising_the_reference_crop_gives_the_reference_tensor(string file, string stem)
    {
        _ = file;
        var crop = Npy.Read(TestAssets.Require($"models/reference/inputs/{stem}_rgb_u8_1x224x224x3.npy"));
        var reference = Npy.Read(TestAssets.Require($"models/reference/inputs/{stem}_input_f32_1x3x224x224.npy"));

        var tensor = new float[ZooInput.ElementCount];
        new Preprocessor(ZooInput, PreprocessOptions.ImageNet).WriteTensor(new RgbImage(224, 224, crop.UInt8), tensor);

        // Same float32 operations in the same order as the NumPy reference, so only the last bit may differ.
        var max = 0f;
        for (var i = 0; i < tensor.Length; i++)
        {
            max = Math.Max(max, Math.Abs(tensor[i] - reference.Float32![i]));
        }

        Assert.True(max <= 1e-6f, $"{stem}: max {max}");
    }
}
