using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Vision.Tests.Frames;

/// <summary>
/// Per-pixel textbook conversion: locate the pixel's Y, U, V samples by the format's layout, apply the published
/// BT.601 limited-range equations (R = 1.164(Y−16) + 1.596(V−128), …) in double precision, round to nearest.
/// </summary>
internal static class NaiveYuv
{
    public static byte[] ToRgb(byte[] frame, PixelFormat format, int w, int h)
    {
        var rgb = new byte[w * h * 3];
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var o = ((y * w) + x) * 3;
                switch (format)
                {
                    case PixelFormat.RGB24:
                        Array.Copy(frame, o, rgb, o, 3);
                        continue;
                    case PixelFormat.GRAY8:
                        rgb[o] = rgb[o + 1] = rgb[o + 2] = frame[(y * w) + x];
                        continue;
                }

                int Y, U, V;
                switch (format)
                {
                    case PixelFormat.I420:
                        Y = frame[(y * w) + x];
                        U = frame[(w * h) + ((y / 2) * cw) + (x / 2)];
                        V = frame[(w * h) + (cw * ch) + ((y / 2) * cw) + (x / 2)];
                        break;
                    case PixelFormat.NV12:
                        Y = frame[(y * w) + x];
                        U = frame[(w * h) + ((y / 2) * cw * 2) + ((x / 2) * 2)];
                        V = frame[(w * h) + ((y / 2) * cw * 2) + ((x / 2) * 2) + 1];
                        break;
                    default: // YUYV: Y0 U Y1 V
                        var pair = (y * cw * 4) + ((x / 2) * 4);
                        Y = frame[pair + ((x % 2) * 2)];
                        U = frame[pair + 1];
                        V = frame[pair + 3];
                        break;
                }

                double c = Y - 16, d = U - 128, e = V - 128;
                rgb[o] = Clamp((1.164383 * c) + (1.596027 * e));
                rgb[o + 1] = Clamp((1.164383 * c) - (0.391762 * d) - (0.812968 * e));
                rgb[o + 2] = Clamp((1.164383 * c) + (2.017232 * d));
            }
        }

        return rgb;
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);
}
