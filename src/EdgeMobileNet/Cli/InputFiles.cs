using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Cli;

/// <summary>One thing `classify` was asked to run: an image, a ready-made .npy tensor, or a path that failed.</summary>
internal sealed record ClassifyInput(string Path, bool IsTensor, string? Error);

/// <summary>Expands the INPUT arguments: files as given, folders to their images (sorted, not recursive).</summary>
internal static class InputFiles
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif",
    };

    public static IReadOnlyList<ClassifyInput> Expand(IEnumerable<string> arguments)
    {
        var inputs = new List<ClassifyInput>();
        foreach (var argument in arguments)
        {
            if (Directory.Exists(argument))
            {
                var images = Directory.EnumerateFiles(argument)
                    .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (images.Count == 0)
                {
                    inputs.Add(new ClassifyInput(argument, false, $"{argument}: folder has no images ({string.Join(", ", ImageExtensions.Order(StringComparer.Ordinal))})"));
                }

                inputs.AddRange(images.Select(f => new ClassifyInput(f, false, null)));
            }
            else if (File.Exists(argument))
            {
                inputs.Add(new ClassifyInput(argument, IsNpy(argument), null));
            }
            else
            {
                inputs.Add(new ClassifyInput(argument, false, $"{argument}: input not found"));
            }
        }

        return inputs;
    }

    private static bool IsNpy(string path) => string.Equals(Path.GetExtension(path), ".npy", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws when no INPUT was given at all (parse-time arity cannot say it in our words).</summary>
    public static void RequireAny(IReadOnlyCollection<string> arguments)
    {
        if (arguments.Count == 0)
        {
            throw new EdgeMobileNetException("classify: no INPUT given (an image, a folder of images or a .npy tensor)");
        }
    }
}
