using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Training.Tests;

/// <summary>Datasets and a shared embedding cache (keys are content hashes, so sharing it between tests and runs
/// is safe and keeps the suite fast).</summary>
internal static class TrainingAssets
{
    public static string Casting => TestAssets.Require("datasets/casting/train");

    public static string Hymenoptera => TestAssets.Require("datasets/hymenoptera/train");

    public static string SharedCache { get; } = Path.Combine(Path.GetTempPath(), "edgemobilenet-tests", "train-cache");

    /// <summary>A fresh folder with the first <paramref name="perClass"/> images of each class of <paramref name="source"/>
    /// (copied to a temporary folder, never into the repository).</summary>
    public static string CopySubset(string source, int perClass, int skip = 0)
    {
        var dir = TestAssets.NewTempDir();
        foreach (var cls in Directory.GetDirectories(source).OrderBy(d => d, StringComparer.Ordinal))
        {
            var target = Path.Combine(dir, Path.GetFileName(cls));
            Directory.CreateDirectory(target);
            foreach (var f in Directory.GetFiles(cls).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).Skip(skip).Take(perClass))
            {
                File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
            }
        }

        return dir;
    }
}
