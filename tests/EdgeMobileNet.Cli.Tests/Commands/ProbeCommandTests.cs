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
}
