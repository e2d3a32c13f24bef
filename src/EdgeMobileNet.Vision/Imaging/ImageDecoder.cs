using EdgeMobileNet.Inference;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace EdgeMobileNet.Vision;

/// <summary>Decodes JPEG/PNG (and whatever else Skia's codecs read: WebP, GIF, BMP, ICO, WBMP) into
/// <see cref="RgbImage"/>, upright according to the EXIF orientation. Pixels are not colour-managed (an embedded ICC
/// profile is ignored) and alpha is dropped without compositing, which is what PIL's <c>convert("RGB")</c> does, so
/// the result matches the Python reference pipeline.</summary>
public static class ImageDecoder
{
    /// <summary>Largest image accepted (pixels); a decoded frame of this size already takes 400 MB as RGBA.</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Decodes a file. Throws <see cref="Inference.EdgeMobileNetException"/> naming the file when it is
    /// missing or not a decodable image.</summary>
    public static RgbImage Decode(string path) => Decode(ReadFile(path), path);

    /// <summary>Decodes encoded image bytes; <paramref name="nameForErrors"/> starts every error message.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, string nameForErrors) => DecodeCore(data, nameForErrors, 0);

    /// <summary>
    /// Decodes a file, letting the JPEG decoder downscale by 1/2, 1/4 or 1/8 (IDCT scaling) when the image's shorter
    /// side is at least twice <paramref name="minShortSide"/>; the result keeps a shorter side of at least
    /// <paramref name="minShortSide"/>. About 2–3× faster for big camera stills, but the pixels then differ from a
    /// full decode, so accuracy comparisons against a reference pipeline must use <see cref="Decode(string)"/>.
    /// </summary>
    public static RgbImage DecodeForTarget(string path, int minShortSide)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minShortSide);
        return DecodeCore(ReadFile(path), path, minShortSide);
    }

    /// <summary>Encoded bytes (a camera's MJPEG frame) with the same scaled JPEG decode as
    /// <see cref="DecodeForTarget(string, int)"/>; <paramref name="nameForErrors"/> starts every error message.</summary>
    public static RgbImage DecodeForTarget(ReadOnlySpan<byte> data, string nameForErrors, int minShortSide)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minShortSide);
        return DecodeCore(data, nameForErrors, minShortSide);
    }

    private static byte[] ReadFile(string path)
    {
        var buffer = Array.Empty<byte>();
        var length = ReadFile(path, ref buffer);
        return length == buffer.Length ? buffer : buffer[..length];
    }

    /// <summary>Reads a whole file into <paramref name="buffer"/> (grown when too small, else reused) and returns its
    /// length; the same errors as <see cref="Decode(string)"/>.</summary>
    internal static int ReadFile(string path, ref byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var handle = File.OpenHandle(path);
            var size = RandomAccess.GetLength(handle);
            if (size > Array.MaxLength)
            {
                throw new EdgeMobileNetException($"{path}: not a decodable image ({size} bytes is too large)");
            }

            if (buffer.Length < size)
            {
                buffer = new byte[size];
            }

            // A file that shrinks while it is read gives what was there; one that grows is read up to its first length.
            var length = 0;
            while (length < size && RandomAccess.Read(handle, buffer.AsSpan(length, (int)size - length), length) is var n and > 0)
            {
                length += n;
            }

            return length;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EdgeMobileNetException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"{path}: cannot read ({e.Message})", e);
        }
    }

    private static RgbImage DecodeCore(ReadOnlySpan<byte> data, string name, int minShortSide)
    {
        using var skData = CopyData(data, name);
        using var codec = Open(skData, name, minShortSide, out var size);
        return Decode(codec, name, size);
    }

    /// <summary>The encoded bytes in Skia's memory; an empty span is refused naming <paramref name="name"/>.</summary>
    internal static SKData CopyData(ReadOnlySpan<byte> data, string name) =>
        data.IsEmpty ? throw NotDecodable(name, "empty file") : SKData.CreateCopy(data);

    /// <summary>A codec for the image, and the size it will be decoded at (scaled when <paramref name="minShortSide"/>
    /// is above 0 and the image is a JPEG large enough; before the EXIF orientation is applied).</summary>
    internal static SKCodec Open(SKData data, string name, int minShortSide, out SKSizeI size)
    {
        var codec = SKCodec.Create(new SKMemoryStream(data), out var created);
        if (codec is null)
        {
            throw NotDecodable(name, created == SKCodecResult.Unimplemented || created == SKCodecResult.Success ? "unknown format" : Describe(created));
        }

        size = codec.Info.Size;
        var reason = size.Width <= 0 || size.Height <= 0 ? $"invalid dimensions {size.Width}x{size.Height}"
            : (long)size.Width * size.Height > MaxPixels ? $"{size.Width}x{size.Height} is larger than the {MaxPixels / 1_000_000} megapixel limit"
            : null;
        if (reason is not null)
        {
            codec.Dispose();
            throw NotDecodable(name, reason);
        }

        if (minShortSide > 0 && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            size = ScaledSize(codec, minShortSide);
        }

        return codec;
    }

    /// <summary>The whole image at <paramref name="size"/> into a new <see cref="RgbImage"/>, upright.</summary>
    private static unsafe RgbImage Decode(SKCodec codec, string name, SKSizeI size)
    {
        // Unpremultiplied and no colour space: Skia then hands over the decoder's raw RGB without conversions.
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked(size.Width * size.Height * 4)];
        SKCodecResult result;
        fixed (byte* p = rgba)
        {
            result = codec.GetPixels(info, (IntPtr)p);
        }

        if (result != SKCodecResult.Success)
        {
            throw NotDecodable(name, Describe(result));
        }

        var rgb = new byte[size.Width * size.Height * 3];
        DropAlpha(rgba, rgb);
        return Orientation.ToUpright(new RgbImage(size.Width, size.Height, rgb), (int)codec.EncodedOrigin);
    }

    // RGBA → RGB. Four pixels per shuffle: 16 bytes in, 12 useful bytes out; the 16-byte store overlaps the next one.
    internal static void DropAlpha(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        int s = 0, d = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var pick = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0);
            for (; d + 16 <= rgb.Length; s += 16, d += 12)
            {
                Vector128.Shuffle(Vector128.Create(rgba.Slice(s, 16)), pick).CopyTo(rgb.Slice(d, 16));
            }
        }

        for (; d < rgb.Length; s += 4, d += 3)
        {
            rgb[d] = rgba[s];
            rgb[d + 1] = rgba[s + 1];
            rgb[d + 2] = rgba[s + 2];
        }
    }

    // The smallest supported IDCT scale whose shorter side still covers the target; only when it saves at least 2×.
    private static SKSizeI ScaledSize(SKCodec codec, int minShortSide)
    {
        var full = codec.Info.Size;
        var shortSide = Math.Min(full.Width, full.Height);
        if (shortSide < 2 * minShortSide)
        {
            return full;
        }

        foreach (var scale in (ReadOnlySpan<float>)[0.125f, 0.25f, 0.5f])
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (Math.Min(scaled.Width, scaled.Height) >= minShortSide)
            {
                return scaled;
            }
        }

        return full;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "truncated data",
        SKCodecResult.ErrorInInput => "corrupt data",
        SKCodecResult.InvalidInput => "invalid data",
        SKCodecResult.CouldNotRewind => "stream could not be rewound",
        SKCodecResult.InternalError => "decoder internal error",
        SKCodecResult.InvalidConversion => "unsupported pixel format",
        SKCodecResult.InvalidScale => "unsupported scale",
        SKCodecResult.InvalidParameters => "invalid decode parameters",
        SKCodecResult.Unimplemented => "unknown format",
        _ => result.ToString(),
    };

    private static EdgeMobileNetException NotDecodable(string name, string reason) =>
        new($"{name}: not a decodable image ({reason})");
}
