using System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Vision;

/// <summary>
/// Asks the cache for the source bytes of a row the one-pass loop will read a little later. A camera frame arrives from
/// the capture thread, so its rows are in another core's cache or in memory, and the rows the crop needs are not one
/// run of memory: each is a part of a frame row, and the hardware prefetchers stop at every 4 KB page (a 640-pixel
/// RGB row is half a page). Fetching the row two steps ahead overlaps those misses with the work on the current row.
/// x64 only (.NET offers no prefetch instruction on arm64); elsewhere a no-op. It reads nothing and changes nothing.
/// </summary>
internal static unsafe class RowPrefetch
{
    /// <summary>How many rows ahead of the current one to fetch.</summary>
    public const int Ahead = 2;

    public static bool Enabled { get; } = Sse.IsSupported;

    /// <summary>Row <paramref name="y"/>, pixels [x0, x0 + count), of a frame at <paramref name="src"/> whose length
    /// was checked against the format; rows outside the frame are ignored.</summary>
    public static void Row(byte* src, PixelFormat format, int width, int height, int y, int x0, int count)
    {
        if (!Enabled || (uint)y >= (uint)height || count <= 0)
        {
            return;
        }

        switch (format)
        {
            case PixelFormat.RGB24:
                Bytes(src + ((((long)y * width) + x0) * 3), count * 3);
                return;
            case PixelFormat.GRAY8:
                Bytes(src + ((long)y * width) + x0, count);
                return;
        }

        PixelConverter.LocateYuvRow(src, format, width, height, y, out var yRow, out var uRow, out var vRow, out var lumaStep, out var chromaStep);
        Bytes(yRow + ((long)x0 * lumaStep), count * lumaStep);
        if (format != PixelFormat.YUYV && (y & 1) == 0)
        {
            // A chroma row serves two rows: fetched with the first of them (NV12's U and V share one row).
            int chroma = ((count + 1) / 2 * chromaStep) + chromaStep;
            Bytes(uRow + ((long)(x0 >> 1) * chromaStep), chroma);
            if (format == PixelFormat.I420)
            {
                Bytes(vRow + ((long)(x0 >> 1) * chromaStep), chroma);
            }
        }
    }

    private static void Bytes(byte* p, int length)
    {
        // One request per 64-byte line, the first from the line holding p.
        var end = p + length;
        for (var line = (byte*)((nint)p & ~63); line < end; line += 64)
        {
            Sse.Prefetch0(line);
        }
    }
}
