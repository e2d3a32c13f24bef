using System.Diagnostics;
using System.Text.Json;
using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.EndToEnd;

/// <summary>The real executable in its own process: exit codes and stderr as a shell script sees them.</summary>
public sealed class ExecutableTests : IDisposable
{
    private readonly TempDir temp = new();

    private static CliOutcome Exec(params string[] args) => ExecWith(new Dictionary<string, string>(), args);

    private static CliOutcome ExecWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "edgemobilenet.dll");
        Assert.True(File.Exists(dll), $"{dll} not built beside the tests");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "edgemobilenet did not exit");
        return new CliOutcome(process.ExitCode, stdout, stderr.Result);
    }

    [Fact]
    public void MissingModelExitsWithTwoAndOneLine()
    {
        var model = temp.File("missing.onnx");
        var outcome = Exec("classify", "--model", model, "x.jpg");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal([$"edgemobilenet: {model}: model file not found"], outcome.StderrLines);
    }

    [Fact]
    public void NonOnnxModelIsOneLineEvenWithTheNativeRuntimeLoaded()
    {
        var model = temp.File("text.onnx");
        File.WriteAllText(model, "hello\n");
        var outcome = Exec("classify", "--model", model, "--engine", "ort", "x.jpg");
        Assert.Equal(2, outcome.ExitCode);
        var line = Assert.Single(outcome.StderrLines);
        Assert.StartsWith($"edgemobilenet: {model}: not a loadable ONNX model", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("on")]
    [InlineData("0")]
    [InlineData("-3")]
    public void BadStripSettingExitsWithTwoNamingTheVariable(string value)
    {
        var outcome = ExecWith(new Dictionary<string, string> { ["EDGEMOBILENET_STRIPS"] = value }, "bench", "--model", TestAssets.ZooInt8, "--engine", "managed", "--warmup", "0", "--iterations", "1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal([$"edgemobilenet: EDGEMOBILENET_STRIPS: '{value}' is neither 'off' nor a positive number of rows per strip"], outcome.StderrLines);
    }

    [Fact]
    public void StripSettingOffPlansWholeTensors()
    {
        var outcome = ExecWith(new Dictionary<string, string> { ["EDGEMOBILENET_STRIPS"] = "off" }, "bench", "--model", TestAssets.ZooInt8, "--engine", "managed", "--warmup", "0", "--iterations", "1");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("peak activations 1505280 B", outcome.Stdout, StringComparison.Ordinal); // 112x112x96 + 56x56x96, as RowStripPlanTests derives
    }

    [Fact]
    public void ParseErrorExitsWithTwo()
    {
        var outcome = Exec("bench", "--iterations", "3");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Single(outcome.StderrLines);
    }

    [Fact]
    public void BenchSucceedsAndPrintsJson()
    {
        var outcome = Exec("bench", "--model", TestAssets.ZooInt8, "--warmup", "1", "--iterations", "3", "--json");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal("ort", JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results")[0].GetProperty("engine").GetString());
    }

    public void Dispose() => temp.Dispose();
}
