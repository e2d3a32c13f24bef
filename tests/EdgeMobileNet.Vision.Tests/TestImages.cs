using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Vision.Tests;

/// <summary>Deterministic synthetic images.</summary>
internal static class TestImages
{
    /// <summary>Smooth gradients plus seeded noise, so both the filter's smoothing and its edges are exercised.</summary>
    public static RgbImage Noisy(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new RgbImage(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                image.Pixels[i] = (byte)((x * 255 / Math.Max(1, width - 1) + random.Next(-40, 41)) & 0xFF);
                image.Pixels[i + 1] = (byte)random.Next(256);
                image.Pixels[i + 2] = (byte)Math.Clamp((y * 255 / Math.Max(1, height - 1)) + random.Next(-20, 21), 0, 255);
            }
        }

        return image;
    }
}
