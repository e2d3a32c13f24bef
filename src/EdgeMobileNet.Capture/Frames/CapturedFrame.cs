using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Capture.Frames;

/// <summary>How a captured frame's bytes are laid out.</summary>
internal enum CaptureFormat
{
    /// <summary>Packed 4:2:2 (V4L2 YUYV); <see cref="CapturedFrame.Stride"/> bytes per row.</summary>
    Yuyv,

    /// <summary>Y rows, then interleaved U,V rows at half height; both with <see cref="CapturedFrame.Stride"/>.</summary>
    Nv12,

    /// <summary>Planar 4:2:0 (V4L2 YU12, rpicam-vid yuv420): Y rows of Stride bytes, U and V rows of Stride/2.</summary>
    I420,

    /// <summary>8-bit luma.</summary>
    Grey,

    /// <summary>One JPEG image per frame (V4L2 MJPG or JPEG); the stride is 0.</summary>
    Mjpeg,
}

/// <summary>
/// One frame as the camera delivered it, valid only during <see cref="ICaptureSink.OnFrame"/> (it points into a
/// memory-mapped driver buffer that is queued again right after): the bytes (the buffer's <c>bytesused</c>, never the
/// whole buffer), the layout, and the capture time.
/// </summary>
internal readonly ref struct CapturedFrame
{
    public CapturedFrame(ReadOnlySpan<byte> data, CaptureFormat format, int width, int height, int stride, long timestampNs, long sequence)
    {
        Data = data;
        Format = format;
        Width = width;
        Height = height;
        Stride = stride;
        TimestampNs = timestampNs;
        Sequence = sequence;
    }

    public ReadOnlySpan<byte> Data { get; }

    public CaptureFormat Format { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Bytes per row of the first plane as the driver or program wrote it (0 for MJPEG).</summary>
    public int Stride { get; }

    /// <summary>CLOCK_MONOTONIC nanoseconds when the frame was captured (see <see cref="MonotonicClock"/>).</summary>
    public long TimestampNs { get; }

    /// <summary>The source's frame counter (gaps are frames the source dropped).</summary>
    public long Sequence { get; }

    /// <summary>The Vision format of the same pixels once rows are packed; null for MJPEG (decoded to RGB24).</summary>
    public PixelFormat? PackedFormat => Format switch
    {
        CaptureFormat.Yuyv => PixelFormat.YUYV,
        CaptureFormat.Nv12 => PixelFormat.NV12,
        CaptureFormat.I420 => PixelFormat.I420,
        CaptureFormat.Grey => PixelFormat.GRAY8,
        _ => null,
    };
}

/// <summary>Whether a source is delivering, and why not.</summary>
internal enum CaptureState
{
    Starting,
    Streaming,

    /// <summary>The camera is gone or stalled; the source is reconnecting (the reason says which).</summary>
    Degraded,
    Stopped,
}

/// <summary>
/// Where a capture source delivers. The station implements it with a thin adapter that copies the frame into its
/// frame slot (<see cref="FrameUnpacker"/> does the copy and the MJPEG decode) and maps state changes to its health.
/// Called on the capture thread; keep it short (copy, hand over, return).
/// </summary>
internal interface ICaptureSink
{
    void OnFrame(in CapturedFrame frame);

    void OnStateChanged(CaptureState state, string? reason);
}
