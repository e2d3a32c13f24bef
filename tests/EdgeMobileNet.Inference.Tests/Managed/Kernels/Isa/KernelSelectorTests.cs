using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>Kernel selection: the default follows CPU features, forced ISAs the CPU lacks are refused by name.</summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class KernelSelectorTests
{
    [Fact]
    public void DefaultIsTheWidestSupported()
    {
        var expected = Avx512BW.IsSupported && Avx512F.IsSupported ? "avx512"
            : Avx2.IsSupported ? "avx2"
            : Dp.IsSupported && AdvSimd.Arm64.IsSupported ? "sdot"
            : AdvSimd.Arm64.IsSupported ? "neon"
            : "scalar";
        Assert.Equal(expected, KernelSelector.Select(null).Name);
        Assert.Equal(expected, ManagedKernels.Default);
        Assert.Contains(expected, ManagedKernels.Supported);
        Assert.Contains("scalar", ManagedKernels.Supported);
    }

    [Theory]
    [InlineData("avx512")]
    [InlineData("avx2")]
    [InlineData("neon")]
    [InlineData("sdot")]
    public void ForcedIsaIsUsedOrRefusedNamingFlagAndFeature(string isa)
    {
        var supported = isa switch
        {
            "avx512" => Avx512BW.IsSupported && Avx512F.IsSupported,
            "avx2" => Avx2.IsSupported,
            "neon" => AdvSimd.Arm64.IsSupported,
            _ => Dp.IsSupported && AdvSimd.Arm64.IsSupported,
        };
        if (supported)
        {
            Assert.Equal(isa, KernelSelector.Select(isa).Name);
            Assert.Contains(isa, ManagedKernels.Supported);
            return;
        }

        var ex = Assert.Throws<EdgeMobileNetException>(() => KernelSelector.Select(isa));
        Assert.StartsWith($"--isa {isa}: this CPU does not support ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(isa, ManagedKernels.Supported);
    }

    [Fact]
    public void UnknownIsaIsRefused()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => KernelSelector.Select("sse9"));
        Assert.Contains("--isa sse9: unknown ISA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectionIsReported()
    {
        var seen = new List<string>();
        void Record(string name)
        {
            lock (seen)
            {
                seen.Add(name);
            }
        }

        ManagedKernels.Selected += Record;
        try
        {
            KernelSelector.Select("scalar");
        }
        finally
        {
            ManagedKernels.Selected -= Record;
        }

        lock (seen)
        {
            Assert.Contains("scalar", seen);
        }
    }
}
