using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Capture.Frames;

/// <summary>
/// From a captured frame to what the rest of the product reads: raw formats are copied row by row without the
/// driver's (or rpicam-vid's) row padding into the packed layout Vision's <see cref="PixelConverter"/> takes; MJPEG
/// goes through <see cref="ImageDecoder"/> with the scaled IDCT, at the smallest 1/8, 1/4 or 1/2 scale whose shorter
/// side still covers the model's resize, straight to RGB.
/// </summary>
internal static class FrameUnpacker
{
    /// <summary>Copies a raw frame into <paramref name="destination"/> (exactly
    /// <see cref="FrameGeometry.BytesPerFrame"/> bytes of <see cref="CapturedFrame.PackedFormat"/>).</summary>
    public static void Pack(in CapturedFrame frame, Span<byte> destination)
    {
        var format = frame.PackedFormat ?? throw new InvalidOperationException("MJPEG frames are decoded, not packed");
        var needed = FrameGeometry.BytesPerFrame(format, frame.Width, frame.Height);
        if (destination.Length != needed)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, a packed {format} {frame.Width}x{frame.Height} frame is {needed}", nameof(destination));
        }

        int w = frame.Width, h = frame.Height, stride = frame.Stride, cw = (w + 1) / 2, ch = (h + 1) / 2;
        var src = frame.Data;
        switch (frame.Format)
        {
            case CaptureFormat.Yuyv:
                CopyRows(src, 0, stride, destination, 0, cw * 4, h);
                break;
            case CaptureFormat.Grey:
                CopyRows(src, 0, stride, destination, 0, w, h);
                break;
            case CaptureFormat.Nv12:
                CopyRows(src, 0, stride, destination, 0, w, h);
                CopyRows(src, (long)stride * h, stride, destination, w * h, cw * 2, ch);
                break;
            case CaptureFormat.I420:
                var cStride = stride / 2;
                CopyRows(src, 0, stride, destination, 0, w, h);
                CopyRows(src, (long)stride * h, cStride, destination, w * h, cw, ch);
                CopyRows(src, ((long)stride * h) + ((long)cStride * ch), cStride, destination, (w * h) + (cw * ch), cw, ch);
                break;
            default:
                throw new InvalidOperationException($"cannot pack {frame.Format}");
        }
    }

    /// <summary>The frame as RGB: MJPEG decoded (scaled so its shorter side stays ≥ <paramref name="minShortSide"/>
    /// when that saves at least 2×; 0 = full size), raw formats unpacked and converted. <paramref name="scratch"/>
    /// is reused between calls for the packed copy.</summary>
    public static RgbImage ToRgb(in CapturedFrame frame, int minShortSide, ref byte[]? scratch)
    {
        if (frame.Format == CaptureFormat.Mjpeg)
        {
            var name = $"MJPEG frame {frame.Sequence}";
            return minShortSide > 0 ? ImageDecoder.DecodeForTarget(frame.Data, name, minShortSide) : ImageDecoder.Decode(frame.Data, name);
        }

        var format = frame.PackedFormat!.Value;
        var bytes = FrameGeometry.BytesPerFrame(format, frame.Width, frame.Height);
        if (scratch is null || scratch.Length != bytes)
        {
            scratch = new byte[bytes];
        }

        Pack(frame, scratch);
        var rgb = new RgbImage(frame.Width, frame.Height);
        PixelConverter.ToRgb(scratch, format, frame.Width, frame.Height, rgb);
        return rgb;
    }

    private static void CopyRows(ReadOnlySpan<byte> src, long srcOffset, int srcStride, Span<byte> dst, int dstOffset, int rowBytes, int rows)
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
            return;
        }

        for (var y = 0; y < rows; y++)
        {
            src.Slice((int)(srcOffset + ((long)y * srcStride)), rowBytes).CopyTo(dst.Slice(dstOffset + (y * rowBytes), rowBytes));
        }
    }
}
