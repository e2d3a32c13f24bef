using EdgeMobileNet.Vision;
using SkiaSharp;

namespace EdgeMobileNet.Web.Feed;

/// <summary>Raw camera frame (any <see cref="PixelFormat"/>) → JPEG, reusing its buffers between frames. One caller
/// at a time.</summary>
internal sealed class FrameEncoder : IDisposable
{
    private readonly int _quality;
    private RgbImage? _rgb;
    private SKBitmap? _bitmap;

    public FrameEncoder(int quality)
    {
        _quality = quality;
    }

    public byte[] Encode(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height)
    {
        if (_rgb is null || _rgb.Width != width || _rgb.Height != height)
        {
            _rgb = new RgbImage(width, height);
            _bitmap?.Dispose();
            _bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        }

        PixelConverter.ToRgb(frame, format, width, height, _rgb);
        var rgb = _rgb.Pixels;
        var rgba = _bitmap!.GetPixelSpan();
        for (int i = 0, o = 0; i < width * height * 3; i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }

        using var data = _bitmap.Encode(SKEncodedImageFormat.Jpeg, _quality);
        return data.ToArray();
    }

    public void Dispose() => _bitmap?.Dispose();
}
