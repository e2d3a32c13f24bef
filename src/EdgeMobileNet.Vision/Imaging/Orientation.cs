namespace EdgeMobileNet.Vision;

/// <summary>
/// Applies an EXIF orientation (tag 0x0112, values 1..8) so the image is upright. Cameras and phones store the
/// sensor's pixel order and record the rotation in this tag instead of rotating the pixels.
/// </summary>
internal static class Orientation
{
    /// <summary>Returns <paramref name="image"/> itself for orientation 1 (or an unknown value), else a new image.</summary>
    public static RgbImage ToUpright(RgbImage image, int orientation)
    {
        if (orientation is < 2 or > 8)
        {
            return image;
        }

        int w = image.Width, h = image.Height;
        bool swaps = orientation >= 5; // 5..8 rotate by ±90° (or transpose), so width and height trade places
        int outW = swaps ? h : w, outH = swaps ? w : h;
        var result = new RgbImage(outW, outH);
        var src = image.Pixels;
        var dst = result.Pixels;
        for (var y = 0; y < outH; y++)
        {
            for (var x = 0; x < outW; x++)
            {
                // Source pixel shown at upright position (x, y).
                var (sx, sy) = orientation switch
                {
                    2 => (w - 1 - x, y),             // mirrored left-right
                    3 => (w - 1 - x, h - 1 - y),     // rotated 180°
                    4 => (x, h - 1 - y),             // mirrored top-bottom
                    5 => (y, x),                     // transposed
                    6 => (y, h - 1 - x),             // needs 90° clockwise
                    7 => (w - 1 - y, h - 1 - x),     // transversed
                    _ => (w - 1 - y, x),             // 8: needs 90° counter-clockwise
                };
                var s = ((sy * w) + sx) * 3;
                var d = ((y * outW) + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return result;
    }
}
