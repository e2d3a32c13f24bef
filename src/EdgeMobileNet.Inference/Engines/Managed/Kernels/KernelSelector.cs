using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Picks the kernel implementation once per loaded model. Only the scalar reference exists so far; per-ISA
/// implementations (NEON, SDOT, AVX2, AVX-512) plug in here and are verified against it.
/// </summary>
internal static class KernelSelector
{
    public static readonly IReadOnlyList<string> Known = ["scalar", "neon", "sdot", "avx2", "avx512"];

    public static IConvKernels Select(string? isa) => isa switch
    {
        null or "scalar" => ScalarConvKernels.Instance,
        _ when Known.Contains(isa) => throw new EdgeMobileNetException(
            $"--isa {isa}: the managed engine has no {isa} kernels yet (available: scalar)"),
        _ => throw new EdgeMobileNetException($"--isa {isa}: unknown ISA (expected one of: {string.Join(", ", Known)})"),
    };
}
