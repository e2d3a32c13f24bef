using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// Raw frames whose rows are padded to a stride (rpicam-vid aligns rows for widths that are not a multiple of its
/// alignment): the byte size of such a frame, and the copy into a packed frame. The first plane's rows are
/// <c>stride</c> bytes; the chroma planes of I420 have half that stride, NV12's interleaved plane the full stride.
/// </summary>
internal static class StridedFrame
{
    public static int LumaBytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.YUYV => 2,
        PixelFormat.RGB24 => 3,
        _ => 1,
    };

    /// <summary>The smallest stride that holds a row of <paramref name="width"/> pixels (chroma rows included).</summary>
    public static int MinStride(PixelFormat format, int width) =>
        format is PixelFormat.I420 or PixelFormat.NV12 ? 2 * ((width + 1) / 2) : width * LumaBytesPerPixel(format);

    /// <summary>Bytes of one padded frame.</summary>
    public static int Bytes(PixelFormat format, int height, int stride)
    {
        var chromaH = (height + 1) / 2;
        return format switch
        {
            PixelFormat.I420 => (stride * height) + (2 * (stride / 2) * chromaH),
            PixelFormat.NV12 => (stride * height) + (stride * chromaH),
            _ => stride * height,
        };
    }

    /// <summary>Copies a padded frame into the packed layout of <see cref="FrameGeometry.BytesPerFrame"/>.</summary>
    public static void Pack(ReadOnlySpan<byte> padded, Span<byte> packed, PixelFormat format, int width, int height, int stride)
    {
        var row = width * LumaBytesPerPixel(format);
        var offset = CopyPlane(padded, 0, stride, packed, 0, row, height);
        var chromaW = (width + 1) / 2;
        var chromaH = (height + 1) / 2;
        switch (format)
        {
            case PixelFormat.I420:
                var packedOffset = row * height;
                offset = CopyPlane(padded, offset, stride / 2, packed, packedOffset, chromaW, chromaH);
                CopyPlane(padded, offset, stride / 2, packed, packedOffset + (chromaW * chromaH), chromaW, chromaH);
                break;
            case PixelFormat.NV12:
                CopyPlane(padded, offset, stride, packed, row * height, 2 * chromaW, chromaH);
                break;
        }
    }

    private static int CopyPlane(ReadOnlySpan<byte> src, int srcOffset, int srcStride, Span<byte> dst, int dstOffset, int rowBytes, int rows)
    {
        for (var y = 0; y < rows; y++)
        {
            src.Slice(srcOffset + (y * srcStride), rowBytes).CopyTo(dst.Slice(dstOffset + (y * rowBytes), rowBytes));
        }

        return srcOffset + (rows * srcStride);
    }
}
