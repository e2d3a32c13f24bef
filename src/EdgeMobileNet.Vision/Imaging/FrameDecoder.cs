using SkiaSharp;

namespace EdgeMobileNet.Vision;

/// <summary>Where a <see cref="FrameDecoder"/> writes: called once the decoded size is known, it returns the RGB24
/// destination of exactly <paramref name="width"/> × <paramref name="height"/> × 3 bytes (e.g. a frame slot's
/// buffer, resized for the image).</summary>
public delegate Span<byte> RgbDestination<TState>(TState state, int width, int height);

/// <summary>
/// Decodes a stream of encoded frames (a camera's MJPEG frames, image files played as a video) straight into a
/// caller's RGB24 buffer: the same pixels, scaling and error messages as <see cref="ImageDecoder"/>, without its
/// per-image buffers.
/// <para>
/// A JPEG without an EXIF orientation (every camera frame) is decoded in bands of rows into a small RGBA scratch that
/// stays in the cache, and each band goes from there to its rows of the destination without its alpha bytes. Compared
/// with <see cref="ImageDecoder.Decode(ReadOnlySpan{byte}, string)"/> followed by a copy into the frame buffer, the
/// whole-image RGBA array, the RGB array and the copy are gone: each frame's pixels are written once, into memory the
/// caller reuses, and nothing of image size is allocated per frame (Skia's small codec objects remain). Anything else
/// (PNG, WebP, a JPEG that must be turned upright) is decoded by <see cref="ImageDecoder"/> and copied.
/// </para>
/// Not thread-safe: one per source.
/// </summary>
public sealed unsafe class FrameDecoder
{
    /// <summary>Size of the RGBA band: a few rows, well inside the first- or second-level cache.</summary>
    private const int BandBytes = 32 * 1024;

    private byte[] _band = [];
    private byte[] _file = [];

    /// <summary>Decodes encoded bytes into <paramref name="destination"/>'s buffer and returns the decoded size.
    /// <paramref name="minShortSide"/> above 0 allows the scaled JPEG decode of
    /// <see cref="ImageDecoder.DecodeForTarget(ReadOnlySpan{byte}, string, int)"/>; 0 decodes at full size. Throws
    /// <see cref="Inference.EdgeMobileNetException"/> starting with <paramref name="nameForErrors"/>; the destination
    /// may then hold part of the image.</summary>
    public (int Width, int Height) Decode<TState>(ReadOnlySpan<byte> data, string nameForErrors, int minShortSide, TState state, RgbDestination<TState> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minShortSide);
        ArgumentNullException.ThrowIfNull(destination);
        using (var skData = ImageDecoder.CopyData(data, nameForErrors))
        using (var codec = ImageDecoder.Open(skData, nameForErrors, minShortSide, out var size))
        {
            if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && codec.EncodedOrigin == SKEncodedOrigin.TopLeft &&
                DecodeRows(codec, size, destination(state, size.Width, size.Height)))
            {
                return (size.Width, size.Height);
            }
        }

        // Not a plain JPEG, or the band decode stopped early: the whole-image path decodes it (and turns it upright),
        // or throws the reason in the same words as everywhere else.
        var image = minShortSide > 0 ? ImageDecoder.DecodeForTarget(data, nameForErrors, minShortSide) : ImageDecoder.Decode(data, nameForErrors);
        image.Pixels.CopyTo(destination(state, image.Width, image.Height));
        return (image.Width, image.Height);
    }

    /// <summary>Reads a file into a buffer kept between calls, then <see cref="Decode{TState}"/> with the path as the
    /// name; a missing or unreadable file gives the messages of <see cref="ImageDecoder.Decode(string)"/>.</summary>
    public (int Width, int Height) DecodeFile<TState>(string path, int minShortSide, TState state, RgbDestination<TState> destination)
    {
        var length = ImageDecoder.ReadFile(path, ref _file);
        return Decode(_file.AsSpan(0, length), path, minShortSide, state, destination);
    }

    /// <summary>Top to bottom, one band of rows at a time; false when the codec refuses or delivers fewer rows.</summary>
    private bool DecodeRows(SKCodec codec, SKSizeI size, Span<byte> rgb)
    {
        int width = size.Width, height = size.Height, rowBytes = width * 4;
        if (rgb.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"the destination holds {rgb.Length} bytes, a {width}x{height} RGB24 image {(long)width * height * 3}");
        }

        // Unpremultiplied and no colour space, as in ImageDecoder: the decoder's own RGB, unconverted.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (codec.StartScanlineDecode(info) != SKCodecResult.Success || codec.ScanlineOrder != SKCodecScanlineOrder.TopDown)
        {
            return false;
        }

        var rows = Math.Max(1, BandBytes / rowBytes);
        if (_band.Length < rows * rowBytes)
        {
            _band = new byte[rows * rowBytes];
        }

        fixed (byte* band = _band)
        {
            for (var y = 0; y < height; y += rows)
            {
                var count = Math.Min(rows, height - y);
                if (codec.GetScanlines((IntPtr)band, count, rowBytes) != count)
                {
                    return false;
                }

                ImageDecoder.DropAlpha(_band.AsSpan(0, count * rowBytes), rgb.Slice(y * width * 3, count * width * 3));
            }
        }

        return true;
    }
}
