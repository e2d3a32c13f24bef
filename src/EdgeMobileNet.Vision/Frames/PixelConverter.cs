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
    // The vector row converter (Preprocessing/YuvRows.cs) uses the same coefficients in linear fixed point.
    internal const double Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb;
    internal const double YScale = 255.0 / 219.0;
    internal const double CScale = 255.0 / 224.0;
    internal const double RV = CScale * 2 * (1 - Kr);
    internal const double BU = CScale * 2 * (1 - Kb);
    internal const double GU = CScale * 2 * (1 - Kb) * Kb / Kg;
    internal const double GV = CScale * 2 * (1 - Kr) * Kr / Kg;

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
        var stride = width * 3;
        for (var y = 0; y < height; y++)
        {
            ConvertRow(frame, format, width, height, y, 0, width, rgb.Slice(y * stride, stride));
        }
    }

    /// <summary>
    /// Converts <paramref name="count"/> pixels of row <paramref name="y"/> starting at column <paramref name="x0"/>
    /// (any parity: chroma is taken from the pixel's own 2x2 or 2x1 block) to RGB24, the same bytes as
    /// <see cref="ToRgb"/>. The frame length must already be checked against the format.
    /// </summary>
    internal static unsafe void ConvertRow(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, int y, int x0, int count, Span<byte> rgb)
    {
        if ((uint)y >= (uint)height || x0 < 0 || count < 0 || x0 + count > width || rgb.Length < count * 3)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"row {y} columns [{x0}, {x0 + count}) outside {width}x{height} or buffer too small");
        }

        switch (format)
        {
            case PixelFormat.RGB24:
                frame.Slice(((y * width) + x0) * 3, count * 3).CopyTo(rgb);
                return;
            case PixelFormat.GRAY8:
            {
                var row = frame.Slice((y * width) + x0, count);
                for (int i = 0, o = 0; i < count; i++, o += 3)
                {
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = row[i];
                }

                return;
            }
        }

        fixed (byte* src = frame, dst = rgb)
        fixed (int* lt = LumaTable, rv = RedFromV, gu = GreenFromU, gv = GreenFromV, bu = BlueFromU)
        fixed (byte* clampTable = ClampTable)
        {
            byte* clamp = clampTable + ClampOffset;

            // Per pixel: luma at lumaStep bytes apart; chroma of its pair at (x >> 1) * chromaStep.
            LocateYuvRow(src, format, width, height, y, out var yRow, out var uRow, out var vRow, out var lumaStep, out var chromaStep);

            byte* o = dst;
            var x = x0;
            var end = x0 + count;
            if ((x & 1) != 0)
            {
                int u = uRow[(x >> 1) * chromaStep], v = vRow[(x >> 1) * chromaStep];
                Store(lt[yRow[x * lumaStep]] + Round, rv[v], gu[u] + gv[v], bu[u], clamp, o);
                x++;
                o += 3;
            }

            // Chroma terms are computed once per pixel pair; clamping is a table lookup, so the loop has no branches.
            for (; x + 2 <= end; x += 2, o += 6)
            {
                int u = uRow[(x >> 1) * chromaStep], v = vRow[(x >> 1) * chromaStep];
                int r = rv[v], g = gu[u] + gv[v], b = bu[u];
                int l = lt[yRow[x * lumaStep]] + Round;
                o[0] = clamp[(l + r) >> Bits];
                o[1] = clamp[(l + g) >> Bits];
                o[2] = clamp[(l + b) >> Bits];
                l = lt[yRow[(x + 1) * lumaStep]] + Round;
                o[3] = clamp[(l + r) >> Bits];
                o[4] = clamp[(l + g) >> Bits];
                o[5] = clamp[(l + b) >> Bits];
            }

            if (x < end)
            {
                int u = uRow[(x >> 1) * chromaStep], v = vRow[(x >> 1) * chromaStep];
                Store(lt[yRow[x * lumaStep]] + Round, rv[v], gu[u] + gv[v], bu[u], clamp, o);
            }
        }
    }

    /// <summary>One pixel with the conversion tables: the exact reference for the vector row converter.</summary>
    internal static void ConvertPixel(int y, int u, int v, out byte r, out byte g, out byte b)
    {
        int l = LumaTable[y] + Round;
        r = ClampTable[ClampOffset + ((l + RedFromV[v]) >> Bits)];
        g = ClampTable[ClampOffset + ((l + GreenFromU[u] + GreenFromV[v]) >> Bits)];
        b = ClampTable[ClampOffset + ((l + BlueFromU[u]) >> Bits)];
    }

    private static unsafe void Store(int l, int r, int g, int b, byte* clamp, byte* o)
    {
        o[0] = clamp[(l + r) >> Bits];
        o[1] = clamp[(l + g) >> Bits];
        o[2] = clamp[(l + b) >> Bits];
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

    /// <summary>Where row <paramref name="y"/> of a YUV frame starts: its luma, and the chroma of its pixel pairs
    /// (luma of pixel x at <c>x * lumaStep</c>, its pair's chroma at <c>(x &gt;&gt; 1) * chromaStep</c>).</summary>
    internal static unsafe void LocateYuvRow(
        byte* src, PixelFormat format, int width, int height, int y, out byte* yRow, out byte* uRow, out byte* vRow, out int lumaStep, out int chromaStep)
    {
        int cw = (width + 1) / 2, ch = (height + 1) / 2;
        switch (format)
        {
            case PixelFormat.I420:
                yRow = src + ((long)y * width);
                uRow = src + ((long)width * height) + ((long)(y >> 1) * cw);
                vRow = uRow + ((long)cw * ch);
                (lumaStep, chromaStep) = (1, 1);
                break;
            case PixelFormat.NV12:
                yRow = src + ((long)y * width);
                uRow = src + ((long)width * height) + ((long)(y >> 1) * cw * 2);
                vRow = uRow + 1;
                (lumaStep, chromaStep) = (1, 2);
                break;
            case PixelFormat.YUYV:
                // Y0 U Y1 V: luma of pixel x at 2x, chroma of its pair at 4 * (x >> 1) + 1 and + 3.
                yRow = src + ((long)y * cw * 4);
                uRow = yRow + 1;
                vRow = yRow + 3;
                (lumaStep, chromaStep) = (2, 4);
                break;
            default:
                throw new EdgeMobileNetException($"unknown pixel format {format}");
        }
    }
}
