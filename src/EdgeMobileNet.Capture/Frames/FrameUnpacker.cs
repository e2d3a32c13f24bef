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
    /// <see cref="FrameGeometry.BytesPerFrame"/> bytes of <see cref="CapturedFrame.PackedFormat"/>), without its row
    /// padding (<see cref="StridedFrame.Pack"/>).</summary>
    public static void Pack(in CapturedFrame frame, Span<byte> destination)
    {
        var format = frame.PackedFormat ?? throw new InvalidOperationException("MJPEG frames are decoded, not packed");
        StridedFrame.Pack(frame.Data, destination, format, frame.Width, frame.Height, frame.Stride);
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
}
