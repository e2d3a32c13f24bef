using EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.X86;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The kernel table: one row per ISA, best first, filled once (at the first model load) from the CPU's features.
/// A load takes the best supported row, or the one forced by <c>--isa</c> (refused, naming the missing feature, when
/// the CPU lacks it). A row's <see cref="IConvKernels"/> carries its elementwise kernels too, so nothing else in the
/// engine looks at ISA names. Every choice is reported through <see cref="Selected"/> so hosts can log it.
/// </summary>
internal static class KernelSelector
{
    /// <summary>One ISA: its kernels, the CPU feature it needs (named when refused) and whether this CPU has it.</summary>
    private readonly record struct Row(IConvKernels Kernels, string Feature, bool Supported);

    // A new ISA is one IConvKernels class plus one row here, in preference order.
    private static readonly Row[] Table =
    [
        new(Avx512ConvKernels.Instance, "AVX-512BW", Avx512ConvKernels.IsSupported),
        new(Avx2ConvKernels.Instance, "AVX2", Avx2ConvKernels.IsSupported),
        new(SdotConvKernels.Instance, "ARM64 AdvSimd with Dp (SDOT)", SdotConvKernels.IsSupported),
        new(NeonConvKernels.Instance, "ARM64 AdvSimd (NEON)", NeonConvKernels.IsSupported),
        new(ScalarConvKernels.Instance, "", true),
    ];

    /// <summary>Every ISA name, reference first.</summary>
    public static readonly IReadOnlyList<string> Known = [.. Table.Reverse().Select(r => r.Kernels.Name)];

    /// <summary>The implementation chosen when none is forced: the first supported row.</summary>
    public static readonly IConvKernels Best = Table.First(r => r.Supported).Kernels;

    /// <summary>Raised with the chosen implementation's name each time a model is loaded.</summary>
    public static event Action<string>? Selected;

    public static IConvKernels Select(string? isa)
    {
        IConvKernels kernels;
        if (isa is null or "auto")
        {
            kernels = Best;
        }
        else
        {
            var row = Array.Find(Table, r => r.Kernels.Name == isa);
            if (row.Kernels is null)
            {
                throw new EdgeMobileNetException($"--isa {isa}: unknown ISA (expected one of: auto, {string.Join(", ", Known)})");
            }

            kernels = row.Supported ? row.Kernels : throw new EdgeMobileNetException($"--isa {isa}: this CPU does not support {row.Feature}");
        }

        Selected?.Invoke(kernels.Name);
        return kernels;
    }

    /// <summary>The names <see cref="Select"/> accepts on this CPU, reference first.</summary>
    public static IReadOnlyList<string> Supported() => [.. Table.Reverse().Where(r => r.Supported).Select(r => r.Kernels.Name)];
}
