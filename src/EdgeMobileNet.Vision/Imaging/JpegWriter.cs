using SkiaSharp;

namespace EdgeMobileNet.Vision;

/// <summary>Writes an <see cref="RgbImage"/> as a JPEG file (a camera snapshot).</summary>
public static class JpegWriter
{
    public static void Write(RgbImage image, string path, int quality = 90)
    {
        var jpeg = Encode(image, quality);
        File.WriteAllBytes(path, jpeg);
    }

    /// <summary>The JPEG bytes of <paramref name="image"/> (quality 1..100).</summary>
    public static byte[] Encode(RgbImage image, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(image);
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Width * image.Height; i++, j += 3)
        {
            rgba[i * 4] = image.Pixels[j];
            rgba[(i * 4) + 1] = image.Pixels[j + 1];
            rgba[(i * 4) + 2] = image.Pixels[j + 2];
            rgba[(i * 4) + 3] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
