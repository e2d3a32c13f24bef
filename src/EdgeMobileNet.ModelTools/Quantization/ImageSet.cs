using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>Image files of a folder and its subfolders (one per class, as datasets are laid out), in name order.</summary>
public static class ImageSet
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".webp" };

    public static IReadOnlyList<string> List(string path, string option)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new QuantizationException($"{option}: {path}: folder not found");
        }

        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
        return files.Count > 0 ? files : throw new QuantizationException($"{option}: {path}: no images (.jpg, .jpeg, .png, .bmp, .webp) in it or its subfolders");
    }

    /// <summary><paramref name="count"/> files spread evenly over the sorted list (every class gets its share).</summary>
    public static IReadOnlyList<string> Spread(IReadOnlyList<string> files, int count)
    {
        if (count >= files.Count)
        {
            return files;
        }

        return Enumerable.Range(0, count).Select(i => files[(int)((long)i * files.Count / count)]).ToList();
    }

    /// <summary>Decodes and preprocesses <paramref name="path"/> into <paramref name="input"/>; false (with the
    /// reason in <paramref name="error"/>) when the image cannot be read.</summary>
    public static bool TryLoad(Preprocessor preprocessor, string path, Span<float> input, out string? error)
    {
        try
        {
            preprocessor.Run(ImageDecoder.Decode(path), input);
            error = null;
            return true;
        }
        catch (EdgeMobileNetException e)
        {
            error = e.Message;
            return false;
        }
    }
}
