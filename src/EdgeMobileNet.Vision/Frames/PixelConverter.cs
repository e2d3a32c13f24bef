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
    private static readonly byte[] ClampTable = BuildClampTable();
    private const int ClampOffset = 1024;

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

    // Chroma terms are computed once per pixel pair; clamping is a table lookup, so the inner loop has no branches.
    private static unsafe void Planar(ReadOnlySpan<byte> frame, int width, int height, Span<byte> rgb, bool interleaved)
    {
        int cw = (width + 1) / 2, ch = (height + 1) / 2;
        fixed (byte* src = frame, dst = rgb)
        fixed (int* lt = LumaTable, rv = RedFromV, gu = GreenFromU, gv = GreenFromV, bu = BlueFromU)
        fixed (byte* clampTable = ClampTable)
        {
            byte* clamp = clampTable + ClampOffset;
            byte* chroma = src + ((long)width * height);
            for (var y = 0; y < height; y++)
            {
                byte* yRow = src + ((long)y * width);
                byte* o = dst + ((long)y * width * 3);
                byte* uRow, vRow;
                int step;
                if (interleaved)
                {
                    uRow = chroma + ((long)(y >> 1) * cw * 2);
                    vRow = uRow + 1;
                    step = 2;
                }
                else
                {
                    uRow = chroma + ((long)(y >> 1) * cw);
                    vRow = chroma + ((long)cw * ch) + ((long)(y >> 1) * cw);
                    step = 1;
                }

                for (var x = 0; x < width; x += 2, uRow += step, vRow += step, o += 6)
                {
                    int r = rv[*vRow], g = gu[*uRow] + gv[*vRow], b = bu[*uRow];
                    int l = lt[yRow[x]] + Round;
                    o[0] = clamp[(l + r) >> Bits];
                    o[1] = clamp[(l + g) >> Bits];
                    o[2] = clamp[(l + b) >> Bits];
                    if (x + 1 < width)
                    {
                        l = lt[yRow[x + 1]] + Round;
                        o[3] = clamp[(l + r) >> Bits];
                        o[4] = clamp[(l + g) >> Bits];
                        o[5] = clamp[(l + b) >> Bits];
                    }
                }
            }
        }
    }

    private static unsafe void Yuyv(ReadOnlySpan<byte> frame, int width, int height, Span<byte> rgb)
    {
        int rowBytes = (width + 1) / 2 * 4;
        fixed (byte* src = frame, dst = rgb)
        fixed (int* lt = LumaTable, rv = RedFromV, gu = GreenFromU, gv = GreenFromV, bu = BlueFromU)
        fixed (byte* clampTable = ClampTable)
        {
            byte* clamp = clampTable + ClampOffset;
            for (var y = 0; y < height; y++)
            {
                byte* p = src + ((long)y * rowBytes);
                byte* o = dst + ((long)y * width * 3);
                for (var x = 0; x < width; x += 2, p += 4, o += 6)
                {
                    int u = p[1], v = p[3];
                    int r = rv[v], g = gu[u] + gv[v], b = bu[u];
                    int l = lt[p[0]] + Round;
                    o[0] = clamp[(l + r) >> Bits];
                    o[1] = clamp[(l + g) >> Bits];
                    o[2] = clamp[(l + b) >> Bits];
                    if (x + 1 < width)
                    {
                        l = lt[p[2]] + Round;
                        o[3] = clamp[(l + r) >> Bits];
                        o[4] = clamp[(l + g) >> Bits];
                        o[5] = clamp[(l + b) >> Bits];
                    }
                }
            }
        }
    }

    private static byte[] BuildClampTable()
    {
        // Sums span about -280..+540 before clamping; the table covers -1024..+1023 with room to spare.
        var table = new byte[2 * ClampOffset];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (byte)Math.Clamp(i - ClampOffset, 0, 255);
        }

        return table;
    }

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
