using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeMobileNet.Cli.Tests.Support;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Commands;

public sealed class ProbeCommandTests
{
    [Fact]
    public void JsonHasTheMachineFacts()
    {
        var outcome = CliRun.InProcess("probe", "--json");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var root = JsonDocument.Parse(outcome.Stdout).RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("os").GetString()));
        Assert.Equal(RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), root.GetProperty("process_architecture").GetString());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("processor_count").GetInt32());

        var simd = root.GetProperty("simd");
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported, simd.GetProperty("Avx2").GetBoolean());
            Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, simd.GetProperty("Avx512F").GetBoolean());
        }
        else if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            Assert.Equal(System.Runtime.Intrinsics.Arm.Dp.IsSupported, simd.GetProperty("Dp").GetBoolean());
            Assert.True(simd.GetProperty("AdvSimd").GetBoolean());
        }

        var ort = root.GetProperty("onnx_runtime");
        Assert.True(ort.GetProperty("available").GetBoolean());
        Assert.StartsWith("1.", ort.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", ort.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));

        var video = root.GetProperty("video_devices").EnumerateArray().Select(v => v.GetProperty("device").GetString()).ToList();
        Assert.Equal(Directory.GetFiles("/dev", "video*").Where(p => char.IsDigit(p[^1])).Order().Count(), video.Count);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("gpiochips").ValueKind);
    }

    [Fact]
    public void TextModeMentionsOnnxRuntime()
    {
        var outcome = CliRun.InProcess("probe");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("onnxruntime:   1.", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportsWhetherLibgpiodIsInstalledAsTheLoaderSeesIt()
    {
        // The loader's cache is the independent witness: ldconfig lists the library exactly when the driver could load it.
        var ldconfig = ChildProcessText("/sbin/ldconfig", "-p");
        var installed = ldconfig.Contains("libgpiod.so.2", StringComparison.Ordinal) || ldconfig.Contains("libgpiod.so.3", StringComparison.Ordinal);

        var text = CliRun.InProcess("probe");
        Assert.True(text.ExitCode == 0, text.ToString());
        var line = text.Stdout.Split('\n').Single(l => l.StartsWith("libgpiod:", StringComparison.Ordinal));
        if (installed)
        {
            Assert.Matches(@"^libgpiod:\s+libgpiod\.so\.[23]$", line);
        }
        else
        {
            Assert.Contains("not installed", line, StringComparison.Ordinal);
            Assert.Contains("apt install libgpiod2", line, StringComparison.Ordinal);
        }

        // JSON leaves out null members: the key is there exactly when the library is.
        var root = JsonDocument.Parse(CliRun.InProcess("probe", "--json").Stdout).RootElement;
        Assert.Equal(installed, root.TryGetProperty("libgpiod", out var lib) && lib.ValueKind == JsonValueKind.String);
    }

    private static string ChildProcessText(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(info)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text;
    }
}
