using EdgeMobileNet.Deploy.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Publish;

/// <summary>publish.sh's argument checks (they run before any build). The publish itself is exercised by
/// .ci/arm64-smoke.sh, which takes minutes.</summary>
public sealed class PublishScriptTests
{
    private static string Script => Path.Combine(TestAssets.RepoRoot, "publish.sh");

    [Theory]
    [InlineData(new[] { "--rid", "linux-arm" }, "publish.sh: --rid: unsupported 'linux-arm' (linux-arm64, linux-x64)")]
    [InlineData(new[] { "--variant", "tiny" }, "publish.sh: --variant: unknown 'tiny' (full, managed)")]
    [InlineData(new[] { "--fast" }, "publish.sh: unknown argument '--fast' (see --help)")]
    public async Task BadArguments_AreOneLineErrors(string[] args, string message)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Script, args, TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(message, stderr.Trim());
    }
}
