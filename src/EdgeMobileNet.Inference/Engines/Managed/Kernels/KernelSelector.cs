using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Picks the kernel implementation once per loaded model: the widest one the CPU supports, or the one forced by
/// <c>--isa</c> (refused, naming the missing feature, when the CPU lacks it). Every choice is reported through
/// <see cref="Selected"/> so hosts can log it.
/// </summary>
internal static class KernelSelector
{
    public static readonly IReadOnlyList<string> Known = ["scalar", "neon", "sdot", "avx2", "avx512"];

    /// <summary>Raised with the chosen implementation's name each time a model is loaded.</summary>
    public static event Action<string>? Selected;

    /// <summary>The implementation chosen when none is forced.</summary>
    public static IConvKernels Best =>
        Avx512ConvKernels.IsSupported ? Avx512ConvKernels.Instance
        : Avx2.IsSupported ? Avx2ConvKernels.Instance
        : SdotConvKernels.IsSupported ? SdotConvKernels.Instance
        : NeonConvKernels.IsSupported ? NeonConvKernels.Instance
        : ScalarConvKernels.Instance;

    public static IConvKernels Select(string? isa)
    {
        var kernels = isa switch
        {
            null or "auto" => Best,
            "scalar" => ScalarConvKernels.Instance,
            "avx512" => Avx512ConvKernels.IsSupported ? Avx512ConvKernels.Instance : throw Missing(isa, "AVX-512BW"),
            "avx2" => Avx2.IsSupported ? Avx2ConvKernels.Instance : throw Missing(isa, "AVX2"),
            "neon" => NeonConvKernels.IsSupported ? NeonConvKernels.Instance : throw Missing(isa, "ARM64 AdvSimd (NEON)"),
            "sdot" => SdotConvKernels.IsSupported ? SdotConvKernels.Instance : throw Missing(isa, "ARM64 AdvSimd with Dp (SDOT)"),
            _ => throw new EdgeMobileNetException($"--isa {isa}: unknown ISA (expected one of: auto, {string.Join(", ", Known)})"),
        };
        Selected?.Invoke(kernels.Name);
        return kernels;
    }

    /// <summary>The names <see cref="Select"/> accepts on this CPU.</summary>
    public static IReadOnlyList<string> Supported()
    {
        var names = new List<string> { "scalar" };
        if (Avx2.IsSupported)
        {
            names.Add("avx2");
        }

        if (Avx512ConvKernels.IsSupported)
        {
            names.Add("avx512");
        }

        if (NeonConvKernels.IsSupported)
        {
            names.Add("neon");
        }

        if (SdotConvKernels.IsSupported)
        {
            names.Add("sdot");
        }

        return names;
    }

    private static EdgeMobileNetException Missing(string isa, string feature) =>
        new($"--isa {isa}: this CPU does not support {feature}");
}
