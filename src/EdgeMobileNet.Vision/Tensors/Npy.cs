using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>An array read from a NumPy .npy file (C order). Exactly one of the data arrays is set.</summary>
public sealed record NpyArray(int[] Shape, float[]? Float32, byte[]? UInt8)
{
    /// <summary>Number of elements (product of the shape; 1 for a 0-d array).</summary>
    public int Count => Float32?.Length ?? UInt8!.Length;
}

/// <summary>
/// NumPy .npy reader/writer for float32 and uint8 arrays (format versions 1.0, 2.0 and 3.0; C order only).
/// float64 files are accepted on read and narrowed to float32, which is what every consumer here wants.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a .npy file; errors name the file and what is wrong.</summary>
    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EdgeMobileNetException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"{path}: cannot read ({e.Message})", e);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="nameForErrors"/> prefixes every error.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string nameForErrors)
    {
        if (bytes.Length < Magic.Length + 2 || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw Fail(nameForErrors, "not a .npy file (bad magic)");
        }

        int major = bytes[6], minor = bytes[7];
        int prefix;
        long headerLength;
        switch (major)
        {
            case 1:
                prefix = 10;
                headerLength = bytes.Length >= prefix ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) : -1;
                break;
            case 2:
            case 3:
                prefix = 12;
                headerLength = bytes.Length >= prefix ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]) : -1;
                break;
            default:
                throw Fail(nameForErrors, $"unsupported .npy format version {major}.{minor} (expected 1.0, 2.0 or 3.0)");
        }

        if (headerLength < 0 || prefix + headerLength > bytes.Length)
        {
            throw Fail(nameForErrors, "truncated header");
        }

        var headerBytes = bytes.Slice(prefix, (int)headerLength);
        string headerText;
        try
        {
            // Versions 1 and 2 promise latin-1; version 3 allows UTF-8. Strict decoding turns garbage into an error.
            headerText = major == 3
                ? new UTF8Encoding(false, true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Fail(nameForErrors, $"header is not valid text ({e.Message})");
        }

        var header = NpyHeader.Parse(headerText, nameForErrors);
        var data = bytes[(prefix + (int)headerLength)..];
        return ReadData(header, data, nameForErrors);
    }

    /// <summary>Writes a float32 array ('&lt;f4', C order).</summary>
    public static void Write(string path, ReadOnlySpan<float> data, int[] shape) =>
        WriteRaw(path, "<f4", MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Writes a uint8 array ('|u1', C order), e.g. an RGB crop as [1, H, W, 3].</summary>
    public static void Write(string path, ReadOnlySpan<byte> data, int[] shape) =>
        WriteRaw(path, "|u1", data, data.Length, shape);

    /// <summary>Writes a uint8 array; the explicit name reads better at call sites that pass a byte[].</summary>
    public static void WriteUInt8(string path, ReadOnlySpan<byte> data, int[] shape) => Write(path, data, shape);

    private static NpyArray ReadData(NpyHeader header, ReadOnlySpan<byte> data, string name)
    {
        long count = 1;
        foreach (var d in header.Shape)
        {
            count *= d;
            if (count > Array.MaxLength)
            {
                throw Fail(name, $"shape ({string.Join(", ", header.Shape)}) is too large");
            }
        }

        long expected = count * header.ItemSize;
        if (data.Length < expected)
        {
            throw Fail(name, $"truncated data: shape ({string.Join(", ", header.Shape)}) of '{header.Descr}' needs {expected} bytes, file has {data.Length}");
        }

        if (data.Length > expected)
        {
            throw Fail(name, $"{data.Length - expected} unexpected bytes after the data of shape ({string.Join(", ", header.Shape)})");
        }

        var n = (int)count;
        switch (header.Kind)
        {
            case NpyHeader.ElementKind.UInt8:
                return new NpyArray(header.Shape, null, data.ToArray());
            case NpyHeader.ElementKind.Float32:
            {
                var values = new float[n];
                if (header.LittleEndian == BitConverter.IsLittleEndian)
                {
                    data.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                }
                else
                {
                    for (var i = 0; i < n; i++)
                    {
                        var raw = data.Slice(i * 4, 4);
                        values[i] = header.LittleEndian ? BinaryPrimitives.ReadSingleLittleEndian(raw) : BinaryPrimitives.ReadSingleBigEndian(raw);
                    }
                }

                return new NpyArray(header.Shape, values, null);
            }

            default:
            {
                var values = new float[n];
                for (var i = 0; i < n; i++)
                {
                    var raw = data.Slice(i * 8, 8);
                    values[i] = (float)(header.LittleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(raw) : BinaryPrimitives.ReadDoubleBigEndian(raw));
                }

                return new NpyArray(header.Shape, values, null);
            }
        }
    }

    private static void WriteRaw(string path, string descr, ReadOnlySpan<byte> payload, int count, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("writing .npy files needs a little-endian CPU");
        }

        long product = 1;
        foreach (var d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            product *= d;
        }

        if (product != count)
        {
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {product} elements but {count} were given", nameof(shape));
        }

        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";

        // numpy pads with spaces and a final newline so the data starts on a 64-byte boundary.
        var version = dict.Length + 1 + 10 <= ushort.MaxValue ? 1 : 2;
        var prefix = version == 1 ? 10 : 12;
        var total = prefix + dict.Length + 1;
        var padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Span<byte> head = stackalloc byte[12];
        Magic.CopyTo(head);
        head[6] = (byte)version;
        head[7] = 0;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(head[8..], (ushort)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], (uint)header.Length);
        }

        stream.Write(head[..prefix]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(payload);
    }

    private static EdgeMobileNetException Fail(string name, string reason) => new($"{name}: {reason}");
}
