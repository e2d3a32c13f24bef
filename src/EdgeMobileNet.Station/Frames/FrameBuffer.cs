using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Frames;

/// <summary>One raw frame and its metadata. Buffers are recycled by <see cref="LatestFrameSlot"/>; the byte array is
/// reallocated only when the frame size changes, so a steady stream allocates nothing.</summary>
internal sealed class FrameBuffer
{
    private RgbImage? _rgbView;

    public byte[] Data { get; private set; } = [];

    public PixelFormat Format { get; private set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>Source sequence number, from 1.</summary>
    public long Sequence { get; set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the frame was complete.</summary>
    public long CaptureTimestamp { get; set; }

    /// <summary>Makes the buffer fit a frame of this geometry (keeps the array when the size is unchanged).</summary>
    public Span<byte> Prepare(PixelFormat format, int width, int height)
    {
        var bytes = FrameGeometry.BytesPerFrame(format, width, height);
        if (Data.Length != bytes)
        {
            Data = new byte[bytes];
            _rgbView = null;
        }

        Format = format;
        Width = width;
        Height = height;
        return Data;
    }

    public void CopyFrom(FrameBuffer other)
    {
        other.Data.AsSpan().CopyTo(Prepare(other.Format, other.Width, other.Height));
        Sequence = other.Sequence;
        CaptureTimestamp = other.CaptureTimestamp;
    }

    /// <summary>The pixels as an <see cref="RgbImage"/> without copying (RGB24 frames only).</summary>
    public RgbImage AsRgbImage()
    {
        if (Format != PixelFormat.RGB24)
        {
            throw new InvalidOperationException($"frame is {Format}, not RGB24");
        }

        if (_rgbView is null || !ReferenceEquals(_rgbView.Pixels, Data) || _rgbView.Width != Width || _rgbView.Height != Height)
        {
            _rgbView = new RgbImage(Width, Height, Data);
        }

        return _rgbView;
    }
}
