using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Web.Tests.Support;

/// <summary>
/// Where the browser tests save their pictures. The documentation's pictures (docs/images) are taken by these tests,
/// but only when EDGEMOBILENET_DOC_SCREENSHOTS=1 asks for them; otherwise they go to a temporary folder, so a test
/// run leaves the checkout as it found it while the screenshot code still runs.
/// </summary>
internal static class Screenshots
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var dir = Environment.GetEnvironmentVariable("EDGEMOBILENET_DOC_SCREENSHOTS") == "1"
            ? System.IO.Path.Combine(TestAssets.RepoRoot, "docs", "images")
            : TestAssets.NewTempDir();
        Directory.CreateDirectory(dir);
        return dir;
    });

    public static string Path(string name) => System.IO.Path.Combine(Folder.Value, name);
}
