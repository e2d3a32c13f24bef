using Xunit;

namespace EdgeMobileNet.Tests.Common;

/// <summary>
/// Locates the repository and the real test assets in ../shared (beside the repo root). Under CI (CI=true) a missing
/// asset fails the test; on a developer machine without the assets the test is skipped with the path it wanted.
/// </summary>
public static class TestAssets
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);

    public static string RepoRoot => Root.Value;

    public static string SharedRoot =>
        Environment.GetEnvironmentVariable("EDGEMOBILENET_SHARED") is { Length: > 0 } s
            ? Path.GetFullPath(s)
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Full path of a file or folder under ../shared, e.g. "models/mobilenetv2-12-int8.onnx".</summary>
    public static string Require(string relative)
    {
        var full = Path.Combine(SharedRoot, relative);
        if (File.Exists(full) || Directory.Exists(full))
        {
            return full;
        }

        var message = $"test asset missing: {full}";
        if (IsCi)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return full; // unreachable: Skip throws
    }

    public static string ZooInt8 => Require("models/mobilenetv2-12-int8.onnx");

    public static string TorchvisionQdq => Require("models/mobilenet_v2_torchvision_qdq_s8s8_randcalib.onnx");

    public static string DerivedFloat => Require("models/DERIVED_mobilenetv2-12-int8-dequantized_fp32.onnx");

    public static string Synset => Require("models/labels/synset.txt");

    public static string Images => Require("images");

    /// <summary>A fresh empty folder under the system temp directory, unique per call.</summary>
    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "edgemobilenet-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeMobileNet.sln")))
            {
                return dir.FullName;
            }
        }

        // Published test bundles (e.g. linux-arm64 under emulation) run outside the tree; they get the path explicitly.
        return Environment.GetEnvironmentVariable("EDGEMOBILENET_REPO") is { Length: > 0 } r
            ? Path.GetFullPath(r)
            : throw new InvalidOperationException("EdgeMobileNet.sln not found above " + AppContext.BaseDirectory);
    }
}
