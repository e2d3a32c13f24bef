using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>Kernel selection: the default follows CPU features, forced ISAs the CPU lacks are refused by name.</summary>
public sealed class KernelSelectorTests
{
    [Fact]
    public void DefaultIsTheWidestSupported()
    {
        var expected = Avx512BW.IsSupported && Avx512F.IsSupported ? "avx512" : Avx2.IsSupported ? "avx2" : "scalar";
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
            _ => Dp.IsSupported,
        };
        if (supported && isa is "avx512" or "avx2")
        {
            Assert.Equal(isa, KernelSelector.Select(isa).Name);
            return;
        }

        var ex = Assert.Throws<EdgeMobileNetException>(() => KernelSelector.Select(isa));
        Assert.StartsWith($"--isa {isa}: ", ex.Message, StringComparison.Ordinal);
        if (!supported)
        {
            Assert.Contains("does not support", ex.Message, StringComparison.Ordinal);
        }
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
