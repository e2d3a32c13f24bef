using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Training;

/// <summary>
/// A fixed (not random) change of a training photo before it is embedded: every augmented view is embedded through
/// the backbone once and cached under its own key, so retraining costs nothing extra. Augmented views are only ever
/// training samples; held-out images are judged on their plain view.
/// </summary>
internal sealed record Augmentation(string Key, Func<RgbImage, RgbImage>? Apply)
{
    /// <summary>The photo as it is (the cache key of the original, unaugmented view).</summary>
    public static readonly Augmentation Plain = new("plain", null);

    public static readonly Augmentation Mirror = new("mirror", MirrorImage);

    /// <summary>What <c>--augment</c> names: <c>none</c>, or a comma-separated list of <c>mirror</c>,
    /// <c>rotate</c> (±12°), <c>crop</c> (the centre 90 %), <c>bright</c> (×0.8 and ×1.2); <c>full</c> is all four
    /// (six extra views per photo).</summary>
    public static IReadOnlyList<Augmentation> Set(string names)
    {
        var result = new List<Augmentation>();
        foreach (var name in names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            result.AddRange(name switch
            {
                "none" => [],
                "mirror" => [Mirror],
                "rotate" => [new("rotate+12", i => Rotate(i, 12)), new("rotate-12", i => Rotate(i, -12))],
                "crop" => [new("crop90", i => CentreCrop(i, 0.9))],
                "bright" => [new("bright0.8", i => Brightness(i, 0.8f)), new("bright1.2", i => Brightness(i, 1.2f))],
                "full" => Set("mirror,rotate,crop,bright"),
                _ => throw new EdgeMobileNetException($"--augment: '{name}' is not none, mirror, rotate, crop, bright or full"),
            });
        }

        return result.DistinctBy(a => a.Key).ToList();
    }

    internal static RgbImage MirrorImage(RgbImage image)
    {
        var output = new RgbImage(image.Width, image.Height);
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Pixels.AsSpan(y * image.Stride, image.Stride);
            var dst = output.Pixels.AsSpan(y * image.Stride, image.Stride);
            for (var x = 0; x < image.Width; x++)
            {
                var s = (image.Width - 1 - x) * 3;
                dst[x * 3] = src[s];
                dst[(x * 3) + 1] = src[s + 1];
                dst[(x * 3) + 2] = src[s + 2];
            }
        }

        return output;
    }

    /// <summary>Rotation about the centre by <paramref name="degrees"/> (bilinear; outside the photo the nearest
    /// edge pixel is repeated), same size.</summary>
    internal static RgbImage Rotate(RgbImage image, double degrees)
    {
        var (w, h) = (image.Width, image.Height);
        var output = new RgbImage(w, h);
        var (sin, cos) = Math.SinCos(degrees * Math.PI / 180);
        var (cx, cy) = ((w - 1) / 2.0, (h - 1) / 2.0);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var sx = Math.Clamp((cos * (x - cx)) + (sin * (y - cy)) + cx, 0, w - 1);
                var sy = Math.Clamp((-sin * (x - cx)) + (cos * (y - cy)) + cy, 0, h - 1);
                var (x0, y0) = ((int)sx, (int)sy);
                var (x1, y1) = (Math.Min(x0 + 1, w - 1), Math.Min(y0 + 1, h - 1));
                var (fx, fy) = (sx - x0, sy - y0);
                for (var c = 0; c < 3; c++)
                {
                    var top = (image.Pixels[(y0 * w * 3) + (x0 * 3) + c] * (1 - fx)) + (image.Pixels[(y0 * w * 3) + (x1 * 3) + c] * fx);
                    var bottom = (image.Pixels[(y1 * w * 3) + (x0 * 3) + c] * (1 - fx)) + (image.Pixels[(y1 * w * 3) + (x1 * 3) + c] * fx);
                    output.Pixels[(y * w * 3) + (x * 3) + c] = (byte)Math.Clamp(Math.Round((top * (1 - fy)) + (bottom * fy)), 0, 255);
                }
            }
        }

        return output;
    }

    /// <summary>The centre <paramref name="fraction"/> of each side (the preprocessing then resizes it to the model
    /// input, so the part appears slightly larger).</summary>
    internal static RgbImage CentreCrop(RgbImage image, double fraction)
    {
        var (w, h) = (Math.Max(1, (int)Math.Round(image.Width * fraction)), Math.Max(1, (int)Math.Round(image.Height * fraction)));
        var (x0, y0) = ((image.Width - w) / 2, (image.Height - h) / 2);
        var output = new RgbImage(w, h);
        for (var y = 0; y < h; y++)
        {
            image.Pixels.AsSpan(((y0 + y) * image.Stride) + (x0 * 3), w * 3).CopyTo(output.Pixels.AsSpan(y * w * 3, w * 3));
        }

        return output;
    }

    internal static RgbImage Brightness(RgbImage image, float factor)
    {
        var output = new RgbImage(image.Width, image.Height);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            output.Pixels[i] = (byte)Math.Clamp(MathF.Round(image.Pixels[i] * factor), 0, 255);
        }

        return output;
    }
}
