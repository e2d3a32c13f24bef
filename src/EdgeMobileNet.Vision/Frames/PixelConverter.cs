using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>
/// Converts raw frames to RGB24 without allocating.
/// <para>
/// YUV formats are BT.601 limited range ("TV range": Y 16..235, chroma 16..240), which is what ffmpeg assumes for
/// these formats when nothing else is signalled and what the Pi camera stack emits for SD/VGA modes. Chroma is
/// taken from the nearest sample (each chroma sample covers its 2×2 or 2×1 pixel block); with
/// <c>-sws_flags neighbor+full_chroma_int+accurate_rnd</c> ffmpeg produces the very same bytes. GRAY8 is full range.
/// </para>
/// </summary>
public static class PixelConverter
{
    private const int Bits = 20;
    private const int Round = 1 << (Bits - 1);

    // Per-value contributions in 20-bit fixed point. With this much precision the result equals the double-precision
    // formula rounded to nearest except for sums within ~2e-6 of a half, which in practice never occur.
    private static readonly int[] LumaTable = BuildTable(v => YScale * (v - 16));
    private static readonly int[] RedFromV = BuildTable(v => RV * (v - 128));
    private static readonly int[] GreenFromU = BuildTable(v => -GU * (v - 128));
    private static readonly int[] GreenFromV = BuildTable(v => -GV * (v - 128));
    private static readonly int[] BlueFromU = BuildTable(v => BU * (v - 128));

    // BT.601: Kr = 0.299, Kb = 0.114. Limited range scales luma by 255/219 and chroma by 255/224.
    private const double Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb;
    private const double YScale = 255.0 / 219.0;
    private const double CScale = 255.0 / 224.0;
    private const double RV = CScale * 2 * (1 - Kr);
    private const double BU = CScale * 2 * (1 - Kb);
    private const double GU = CScale * 2 * (1 - Kb) * Kb / Kg;
    private const double GV = CScale * 2 * (1 - Kr) * Kr / Kg;

    public static void ToRgb(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, RgbImage destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var needed = FrameGeometry.BytesPerFrame(format, width, height);
        if (frame.Length != needed)
        {
            throw new EdgeMobileNetException($"{format} frame {width}x{height} must be {needed} bytes, got {frame.Length}");
        }

        if (destination.Width != width || destination.Height != height)
        {
            throw new ArgumentException($"destination is {destination.Width}x{destination.Height}, frame is {width}x{height}", nameof(destination));
        }

        var rgb = destination.Pixels.AsSpan();
        switch (format)
        {
            case PixelFormat.I420:
                Planar(frame, width, height, rgb, interleaved: false);
                break;
            case PixelFormat.NV12:
                Planar(frame, width, height, rgb, interleaved: true);
                break;
            case PixelFormat.YUYV:
                Yuyv(frame, width, height, rgb);
                break;
            case PixelFormat.RGB24:
                frame.CopyTo(rgb);
                break;
            case PixelFormat.GRAY8:
                for (int i = 0, o = 0; i < frame.Length; i++, o += 3)
                {
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = frame[i];
                }

                break;
            default:
                throw new EdgeMobileNetException($"unknown pixel format {format}");
        }
    }

    private static void Planar(ReadOnlySpan<byte> frame, int width, int height, Span<byte> rgb, bool interleaved)
    {
        int cw = (width + 1) / 2, ch = (height + 1) / 2;
        var luma = frame[..(width * height)];
        var chroma = frame[(width * height)..];
        for (var y = 0; y < height; y++)
        {
            var yRow = luma.Slice(y * width, width);
            var outRow = rgb.Slice(y * width * 3, width * 3);
            if (interleaved)
            {
                var uvRow = chroma.Slice(y / 2 * cw * 2, cw * 2);
                for (var x = 0; x < width; x++)
                {
                    Pixel(yRow[x], uvRow[x & ~1], uvRow[(x & ~1) + 1], outRow.Slice(x * 3, 3));
                }
            }
            else
            {
                var uRow = chroma.Slice(y / 2 * cw, cw);
                var vRow = chroma.Slice((cw * ch) + (y / 2 * cw), cw);
                for (var x = 0; x < width; x++)
                {
                    Pixel(yRow[x], uRow[x >> 1], vRow[x >> 1], outRow.Slice(x * 3, 3));
                }
            }
        }
    }

    private static void Yuyv(ReadOnlySpan<byte> frame, int width, int height, Span<byte> rgb)
    {
        int rowBytes = (width + 1) / 2 * 4;
        for (var y = 0; y < height; y++)
        {
            var row = frame.Slice(y * rowBytes, rowBytes);
            var outRow = rgb.Slice(y * width * 3, width * 3);
            for (var x = 0; x < width; x++)
            {
                var pair = (x >> 1) * 4;
                Pixel(row[pair + ((x & 1) * 2)], row[pair + 1], row[pair + 3], outRow.Slice(x * 3, 3));
            }
        }
    }

    private static void Pixel(byte y, byte u, byte v, Span<byte> rgb)
    {
        var l = LumaTable[y] + Round;
        rgb[0] = Clamp((l + RedFromV[v]) >> Bits);
        rgb[1] = Clamp((l + GreenFromU[u] + GreenFromV[v]) >> Bits);
        rgb[2] = Clamp((l + BlueFromU[u]) >> Bits);
    }

    private static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    private static int[] BuildTable(Func<int, double> value)
    {
        var table = new int[256];
        for (var i = 0; i < 256; i++)
        {
            table[i] = (int)Math.Round(value(i) * (1 << Bits));
        }

        return table;
    }
}
