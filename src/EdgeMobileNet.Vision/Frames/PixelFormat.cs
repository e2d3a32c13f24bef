namespace EdgeMobileNet.Vision;

/// <summary>Raw frame formats a camera pipe can deliver (rpicam-vid, ffmpeg -f rawvideo, V4L2).</summary>
public enum PixelFormat
{
    I420,
    NV12,
    YUYV,
    RGB24,
    GRAY8,
}

public static class FrameGeometry
{
    /// <summary>Exact byte size of one packed frame; a short read is never a frame.</summary>
    public static int BytesPerFrame(PixelFormat format, int width, int height) => throw new NotImplementedException($"{format} {width}x{height}");
}

/// <summary>Converts raw frames to RGB24 without allocating.</summary>
public static class PixelConverter
{
    public static void ToRgb(ReadOnlySpan<byte> frame, PixelFormat format, int width, int height, RgbImage destination) =>
        throw new NotImplementedException($"{format} {width}x{height} {frame.Length} {destination.Width}");
}
