namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// What the managed engine's kernel selection offers on this machine, for hosts (`probe`, logs): the ISA chosen when
/// none is forced, the ones <c>--isa</c> accepts here, and an event raised with the name chosen at every model load.
/// </summary>
public static class ManagedKernels
{
    /// <summary>Raised with the kernel ISA name ("avx512", "avx2", "scalar", ...) each time a managed model loads.</summary>
    public static event Action<string>? Selected
    {
        add => KernelSelector.Selected += value;
        remove => KernelSelector.Selected -= value;
    }

    /// <summary>The ISA chosen when <see cref="ClassifierOptions.Isa"/> is null.</summary>
    public static string Default => KernelSelector.Best.Name;

    /// <summary>Every ISA name <c>--isa</c> accepts on this CPU.</summary>
    public static IReadOnlyList<string> Supported => KernelSelector.Supported();
}
