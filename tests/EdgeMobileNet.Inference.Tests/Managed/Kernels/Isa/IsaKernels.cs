using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>The per-ISA implementations under test; each test skips (with the reason) where the CPU lacks one.</summary>
internal static class IsaKernels
{
    /// <summary>Every accelerated path; the ARM ones run on the emulated-ARM CI stage.</summary>
    public static TheoryData<string> Accelerated() => ["avx2", "avx512", "neon", "sdot"];

    public static IConvKernels Require(string isa)
    {
        try
        {
            return KernelSelector.Select(isa);
        }
        catch (EdgeMobileNetException ex)
        {
            Assert.Skip($"{isa} is not available here: {ex.Message}");
            throw;
        }
    }
}
