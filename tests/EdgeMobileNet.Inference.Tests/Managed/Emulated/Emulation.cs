namespace EdgeMobileNet.Inference.Tests.Managed.Emulated;

/// <summary>
/// Settings for runs of the published test bundle under CPU emulation (.ci/arm64-tests.sh), where everything is
/// 10 to 50 times slower: tests read these to shrink their inputs there and to check the emulated CPU is the one asked for.
/// </summary>
internal static class Emulation
{
    /// <summary>Trait put on every test meant for the linux-arm64 emulated runs; none of them may load ONNX Runtime,
    /// whose arm64 native library does not survive its CPU probe under qemu.</summary>
    public const string Trait = "arm";

    /// <summary>True when EDGEMOBILENET_EMULATED=1: tests with large sweeps or many inputs should use a reduced set.</summary>
    public static bool IsActive => Environment.GetEnvironmentVariable("EDGEMOBILENET_EMULATED") == "1";

    /// <summary>The emulated CPU model the script asked qemu for (e.g. "cortex-a72"), or null outside emulation.</summary>
    public static string? CpuModel => Environment.GetEnvironmentVariable("EDGEMOBILENET_EMULATED_CPU") is { Length: > 0 } c ? c : null;
}
