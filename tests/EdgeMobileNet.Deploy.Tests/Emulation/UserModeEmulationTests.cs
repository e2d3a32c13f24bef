using System.Runtime.InteropServices;
using EdgeMobileNet.Inference.Engines.OnnxRuntime;
using Xunit;

namespace EdgeMobileNet.Deploy.Tests.Emulation;

/// <summary>When ONNX Runtime must not be loaded because an arm64 process runs emulated on an x86 host.</summary>
public sealed class UserModeEmulationTests
{
    // Shapes of /proc/cpuinfo: an x86 host (what qemu-user passes through) and a Raspberry Pi 4 (arm64 kernel).
    private const string X86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC\nflags\t\t: fpu vme de pse sse sse2 avx2\n\n";
    private const string Pi4 = "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nRevision\t: c03111\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n";

    [Theory]
    [InlineData(Architecture.Arm64, X86, true)]
    [InlineData(Architecture.Arm, X86, true)]
    [InlineData(Architecture.Arm64, Pi4, false)]
    [InlineData(Architecture.X64, X86, false)]
    [InlineData(Architecture.Arm64, null, false)]
    [InlineData(Architecture.Arm64, "", false)]
    public void Detect(Architecture process, string? cpuinfo, bool emulated) =>
        Assert.Equal(emulated, UserModeEmulation.Detect(process, cpuinfo));

    [Fact]
    public void ThisNativeTestProcess_IsNotEmulated() => Assert.False(UserModeEmulation.IsDetected);
}
