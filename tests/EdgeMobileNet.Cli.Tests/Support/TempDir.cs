using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Cli.Tests.Support;

/// <summary>A fresh folder for one test's scratch files, removed with the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = TestAssets.NewTempDir();

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover scratch folder must not fail a test.
        }
    }
}
