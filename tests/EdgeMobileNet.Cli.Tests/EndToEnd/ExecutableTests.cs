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

    private static CliOutcome Exec(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "edgemobilenet.dll");
        Assert.True(File.Exists(dll), $"{dll} not built beside the tests");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
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
