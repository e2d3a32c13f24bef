using System.Globalization;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Benchmark;

/// <summary>
/// deploy/benchmark.sh (the table in docs/BENCHMARKS.md, also shipped in releases for running on a Pi) against the real
/// executable: a few iterations only, this checks the table's shape and arithmetic, not speed.
/// </summary>
public sealed class BenchmarkScriptTests
{
    private static string Script => Path.Combine(TestAssets.RepoRoot, "deploy", "benchmark.sh");

    [Fact]
    public async Task PrintsBothEnginesAndTheirRatioFromOneRun()
    {
        var model = TestAssets.ZooInt8;
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Script, [model], TimeSpan.FromMinutes(3), Environment(("THREADS", "1,2")));
        Assert.True(code == 0, $"benchmark.sh exited {code}: {stderr}");

        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal("mobilenetv2-12-int8", r[1]));
        foreach (var threads in new[] { "1", "2" })
        {
            var ort = Assert.Single(rows, r => r[2] == "ort" && r[3] == threads);
            var managed = Assert.Single(rows, r => r[2] == "managed" && r[3] == threads);
            var expected = double.Parse(managed[4], CultureInfo.InvariantCulture) / double.Parse(ort[4], CultureInfo.InvariantCulture);
            var ratio = double.Parse(managed[6].TrimEnd('x'), CultureInfo.InvariantCulture);

            // Both medians are printed to 0.01 ms, the ratio from the unrounded ones.
            Assert.InRange(ratio, (expected * 0.9) - 0.01, (expected * 1.1) + 0.01);
            Assert.Equal("", ort[6]);
            Assert.True(long.Parse(managed[7], CultureInfo.InvariantCulture) > 100_000, $"peak activations '{managed[7]}'");
        }
    }

    [Fact]
    public async Task MissingModelIsAOneLineError()
    {
        var missing = Path.Combine(TestAssets.NewTempDir(), "absent.onnx");
        var (code, _, stderr) = await ChildProcess.RunAsync(Script, [missing], TimeSpan.FromMinutes(1), Environment());
        Assert.Equal(2, code);
        Assert.Equal($"benchmark.sh: {missing}: file not found", stderr.Trim());
    }

    [Fact]
    public async Task MissingExecutableIsAOneLineError()
    {
        var env = Environment();
        env["EDGEMOBILENET"] = Path.Combine(TestAssets.NewTempDir(), "edgemobilenet");
        var (code, _, stderr) = await ChildProcess.RunAsync(Script, [TestAssets.ZooInt8], TimeSpan.FromMinutes(1), env);
        Assert.Equal(2, code);
        Assert.Equal("benchmark.sh: edgemobilenet not found (set EDGEMOBILENET or build src/EdgeMobileNet -c Release)", stderr.Trim());
    }

    private static Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["EDGEMOBILENET"] = ChildProcess.Edgemobilenet,
            ["V3"] = "0",
            ["ITERATIONS"] = "3",
            ["WARMUP"] = "1",
            ["THREADS"] = "1",
        };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }

        return env;
    }
}
