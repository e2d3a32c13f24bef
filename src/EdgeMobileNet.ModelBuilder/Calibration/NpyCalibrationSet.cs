using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeMobileNet.ModelBuilder.Calibration;

/// <summary>
/// Calibration inputs from a folder of .npy files holding float32 little-endian tensors of shape [1,3,R,R] or
/// [3,R,R] (already preprocessed). Keeps the builder free of image decoders: decode and preprocess elsewhere.
/// </summary>
internal static partial class NpyCalibrationSet
{
    public static IReadOnlyList<float[]> Load(string directory, int resolution)
    {
        if (!Directory.Exists(directory))
        {
            throw new ModelBuildException($"--calibration: folder not found: {directory}");
        }

        var files = Directory.GetFiles(directory, "*.npy").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new ModelBuildException($"--calibration: no .npy files in {directory}");
        }

        return [.. files.Select(f => ReadOne(f, resolution))];
    }

    private static float[] ReadOne(string path, int resolution)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || bytes[0] != 0x93 || !bytes.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
        {
            throw new ModelBuildException($"{path}: not a .npy file");
        }

        var major = bytes[6];
        var headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        var offset = (major == 1 ? 10 : 12) + headerLength;
        if (offset > bytes.Length)
        {
            throw new ModelBuildException($"{path}: truncated .npy header");
        }

        var header = Encoding.ASCII.GetString(bytes, major == 1 ? 10 : 12, headerLength);
        if (!header.Contains("'descr': '<f4'", StringComparison.Ordinal) || header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new ModelBuildException($"{path}: expected a C-order float32 (<f4) array, header is {header.Trim()}");
        }

        var shape = ShapePattern().Match(header) is { Success: true } m
            ? m.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray()
            : [];
        var dims = shape.SkipWhile((d, i) => i == 0 && d == 1 && shape.Length == 4).ToArray();
        if (dims.Length != 3 || dims[0] != 3 || dims[1] != resolution || dims[2] != resolution)
        {
            throw new ModelBuildException($"{path}: shape ({string.Join(",", shape)}), expected (1,3,{resolution},{resolution}) or (3,{resolution},{resolution})");
        }

        var expected = 3 * resolution * resolution;
        if (bytes.Length - offset != expected * 4)
        {
            throw new ModelBuildException($"{path}: {bytes.Length - offset} data bytes, expected {expected * 4}");
        }

        return MemoryMarshal.Cast<byte, float>(bytes.AsSpan(offset)).ToArray();
    }

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
