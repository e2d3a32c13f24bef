using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Training;

/// <summary>One labelled image of a training folder.</summary>
public sealed record LabelledImage(string Path, string RelativePath, int Label);

/// <summary>
/// A training folder: one subfolder per class (sorted by name, ordinal), the images directly inside each (sorted by
/// name). Hidden entries (a leading dot: caches, editor files) are ignored. The order is fixed, so the same folder
/// always gives the same training run.
/// </summary>
public sealed class ImageFolder
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"];

    private ImageFolder(string root, IReadOnlyList<string> classes, IReadOnlyList<LabelledImage> images)
    {
        Root = root;
        Classes = classes;
        Images = images;
    }

    public string Root { get; }

    public IReadOnlyList<string> Classes { get; }

    public IReadOnlyList<LabelledImage> Images { get; }

    public int CountOf(int label) => Images.Count(i => i.Label == label);

    public static ImageFolder Open(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new EdgeMobileNetException($"{root}: training folder not found");
        }

        var classDirs = Directory.GetDirectories(root)
            .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => System.IO.Path.GetFileName(d), StringComparer.Ordinal)
            .ToList();
        var classes = new List<string>();
        var images = new List<LabelledImage>();
        foreach (var dir in classDirs)
        {
            var files = Directory.GetFiles(dir)
                .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.') && Extensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
                .OrderBy(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
            {
                continue;
            }

            var label = classes.Count;
            classes.Add(System.IO.Path.GetFileName(dir));
            images.AddRange(files.Select(f => new LabelledImage(f, System.IO.Path.GetRelativePath(root, f), label)));
        }

        if (classes.Count < 2)
        {
            throw new EdgeMobileNetException($"{root}: needs at least two class subfolders with images (found {classes.Count})");
        }

        return new ImageFolder(root, classes, images);
    }

    /// <summary>The first <paramref name="perClass"/> images of each class (in name order).</summary>
    public ImageFolder Take(int perClass) =>
        new(Root, Classes, Images.GroupBy(i => i.Label).SelectMany(g => g.Take(perClass)).ToList());

    /// <summary>The images after the first <paramref name="perClass"/> of each class (the complement of
    /// <see cref="Take"/>).</summary>
    public ImageFolder Rest(int perClass) =>
        new(Root, Classes, Images.GroupBy(i => i.Label).SelectMany(g => g.Skip(perClass)).ToList());
}
