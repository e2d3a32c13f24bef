using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>Sizes and names of raw frame formats.</summary>
public static class FrameGeometry
{
    /// <summary>Exact byte size of one packed frame; a short read is never a frame. Odd sizes round the chroma
    /// planes up, as ffmpeg's rawvideo does.</summary>
    public static int BytesPerFrame(PixelFormat format, int width, int height)
    {
        if (width < 1 || height < 1)
        {
            throw new EdgeMobileNetException($"frame size {width}x{height} is not valid (both sides must be at least 1)");
        }

        long chromaW = (width + 1L) / 2, chromaH = (height + 1L) / 2;
        long bytes = format switch
        {
            PixelFormat.I420 or PixelFormat.NV12 => ((long)width * height) + (2 * chromaW * chromaH),
            PixelFormat.YUYV => 4 * chromaW * height,
            PixelFormat.RGB24 => 3L * width * height,
            PixelFormat.GRAY8 => (long)width * height,
            _ => throw new EdgeMobileNetException($"unknown pixel format {format}"),
        };

        return bytes <= Array.MaxLength
            ? (int)bytes
            : throw new EdgeMobileNetException($"{format} frame {width}x{height} would need {bytes} bytes, more than one buffer holds");
    }

    /// <summary>Accepted names for each format: ours, ffmpeg's -pix_fmt and rpicam-vid's --codec.</summary>
    public static IReadOnlyList<string> Names { get; } = ["i420", "yuv420p", "yuv420", "nv12", "yuyv", "yuyv422", "yuy2", "rgb24", "gray8", "gray", "grey"];

    /// <summary>Parses a format name (case-insensitive, see <see cref="Names"/>); errors list what is accepted.</summary>
    public static PixelFormat ParseFormat(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "i420" or "yuv420p" or "yuv420" => PixelFormat.I420,
            "nv12" => PixelFormat.NV12,
            "yuyv" or "yuyv422" or "yuy2" => PixelFormat.YUYV,
            "rgb24" => PixelFormat.RGB24,
            "gray8" or "gray" or "grey" => PixelFormat.GRAY8,
            _ => throw new EdgeMobileNetException($"unknown pixel format '{name}' (expected one of: {string.Join(", ", Names)})"),
        };
    }
}
