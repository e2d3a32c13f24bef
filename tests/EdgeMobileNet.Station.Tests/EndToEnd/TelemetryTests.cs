using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>An embedded product keeps nothing in the user's home: ONNX Runtime's telemetry queue stays off.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Onnx_runtime_writes_no_telemetry_queue_into_home()
    {
        var home = TestAssets.NewTempDir();
        var env = new Dictionary<string, string> { ["HOME"] = home, ["XDG_CACHE_HOME"] = Path.Combine(home, "xdg-cache") };
        var (code, _, stderr) = await ChildProcess.RunAsync(
            ChildProcess.Edgemobilenet,
            ["classify", "--engine", "ort", "--model", TestAssets.ZooInt8, Path.Combine(TestAssets.Images, "dog.jpg")],
            TimeSpan.FromSeconds(60),
            env);
        Assert.True(code == 0, stderr);
        Assert.Empty(Directory.GetFileSystemEntries(home, "*", SearchOption.AllDirectories));
    }
}
