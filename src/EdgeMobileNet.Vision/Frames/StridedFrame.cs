using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>
/// Raw frames whose rows are padded to a stride (a V4L2 driver's bytesperline, rpicam-vid's aligned rows, a pipe
/// command's padded output): the byte size of such a frame, and the copy into the packed layout of
/// <see cref="FrameGeometry.BytesPerFrame"/>. The first plane's rows are <c>stride</c> bytes; the chroma planes of
/// I420 have half that stride, NV12's interleaved plane the full stride. The one row-unpadding of the product:
/// the station's pipe source and the capture library both use it.
/// </summary>
public static class StridedFrame
{
    public static int LumaBytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.YUYV => 2,
        PixelFormat.RGB24 => 3,
        _ => 1,
    };

    /// <summary>The smallest stride that holds a row of <paramref name="width"/> pixels (chroma rows included).</summary>
    public static int MinStride(PixelFormat format, int width) => format switch
    {
        PixelFormat.I420 or PixelFormat.NV12 => 2 * ((width + 1) / 2),
        PixelFormat.YUYV => 4 * ((width + 1) / 2),
        _ => width * LumaBytesPerPixel(format),
    };

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

    /// <summary>Copies a padded frame into <paramref name="packed"/> (exactly <see cref="FrameGeometry.BytesPerFrame"/>
    /// bytes). A source too short for its layout or a stride narrower than a row is an
    /// <see cref="EdgeMobileNetException"/> naming both sizes.</summary>
    public static void Pack(ReadOnlySpan<byte> padded, Span<byte> packed, PixelFormat format, int width, int height, int stride)
    {
        var needed = FrameGeometry.BytesPerFrame(format, width, height);
        if (packed.Length != needed)
        {
            throw new ArgumentException($"destination holds {packed.Length} bytes, a packed {format} {width}x{height} frame is {needed}", nameof(packed));
        }

        var row = format == PixelFormat.YUYV ? MinStride(format, width) : width * LumaBytesPerPixel(format);
        var chromaW = (width + 1) / 2;
        var chromaH = (height + 1) / 2;
        var offset = CopyPlane(padded, 0, stride, packed, 0, row, height);
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

    private static long CopyPlane(ReadOnlySpan<byte> src, long srcOffset, int srcStride, Span<byte> dst, int dstOffset, int rowBytes, int rows)
    {
        if (srcStride < rowBytes)
        {
            throw new EdgeMobileNetException($"frame rows are {srcStride} bytes apart but hold {rowBytes} bytes");
        }

        var last = srcOffset + ((long)(rows - 1) * srcStride) + rowBytes;
        if (last > src.Length)
        {
            throw new EdgeMobileNetException($"frame is {src.Length} bytes, its layout needs {last}");
        }

        if (srcStride == rowBytes)
        {
            src.Slice((int)srcOffset, rowBytes * rows).CopyTo(dst.Slice(dstOffset, rowBytes * rows));
        }
        else
        {
            for (var y = 0; y < rows; y++)
            {
                src.Slice((int)(srcOffset + ((long)y * srcStride)), rowBytes).CopyTo(dst.Slice(dstOffset + (y * rowBytes), rowBytes));
            }
        }

        return srcOffset + ((long)rows * srcStride);
    }
}
