using EdgeMobileNet.Capture.Frames;

namespace EdgeMobileNet.Capture.Rpicam;

/// <summary>
/// Frames of planar YUV420 as rpicam-vid writes them: each plane keeps the camera buffer's row stride, so a frame
/// is <c>stride × height</c> bytes of Y, then two chroma planes of <c>stride/2 × ⌈height/2⌉</c>. Widths that are not
/// a multiple of the alignment carry padding at the end of every row; reading them as packed I420 shears the image
/// and drifts the chroma. The reader takes whole strided frames and hands them on with their stride, so
/// <see cref="FrameUnpacker"/> drops the padding.
/// </summary>
internal sealed class Yuv420StrideReader
{
    private readonly byte[] _frame;

    public Yuv420StrideReader(int width, int height, int stride)
    {
        if (stride < width || stride % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), $"stride {stride} cannot hold {width} pixels (even and ≥ width)");
        }

        Width = width;
        Height = height;
        Stride = stride;
        FrameBytes = checked((stride * height) + (2 * (stride / 2) * ((height + 1) / 2)));
        _frame = new byte[FrameBytes];
    }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    /// <summary>Bytes of one frame on the pipe, padding included.</summary>
    public int FrameBytes { get; }

    /// <summary>Reads one whole frame; false at the end of the stream (a partial last frame is discarded).</summary>
    public async ValueTask<bool> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(_frame, FrameBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read == FrameBytes;
    }

    /// <summary>The frame last read, as the sink sees it.</summary>
    public CapturedFrame Current(long timestampNs, long sequence) =>
        new(_frame, CaptureFormat.I420, Width, Height, Stride, timestampNs, sequence);
}
