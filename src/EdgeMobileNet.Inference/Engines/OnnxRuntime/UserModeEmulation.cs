using System.Runtime.InteropServices;

namespace EdgeMobileNet.Inference.Engines.OnnxRuntime;

/// <summary>
/// Detects an ARM process running under user-mode emulation on an x86 host (qemu-aarch64, binfmt_misc), as in CI's
/// arm64 check. ONNX Runtime's arm64 library reads the CPU's ID registers when it loads, which qemu does not emulate,
/// and the process dies with SIGSEGV: nothing can catch that, so under emulation the library is never loaded (engine
/// auto then uses the managed engine; engine ort reports it as unavailable). qemu-user passes the host's
/// /proc/cpuinfo through, so an ARM process seeing x86 CPU fields is emulated.
/// </summary>
internal static class UserModeEmulation
{
    private static readonly Lazy<bool> Detected = new(() =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm
        && Detect(RuntimeInformation.ProcessArchitecture, TryRead("/proc/cpuinfo")));

    public static bool IsDetected => Detected.Value;

    internal static bool Detect(Architecture process, string? cpuinfo)
    {
        if (process is not (Architecture.Arm64 or Architecture.Arm) || cpuinfo is null)
        {
            return false;
        }

        // x86 kernels list "vendor_id" and "flags" per processor; ARM kernels never do ("CPU implementer", "Features").
        foreach (var line in cpuinfo.Split('\n'))
        {
            var key = line.Split(':', 2)[0].Trim();
            if (key is "vendor_id" or "flags")
            {
                return true;
            }
        }

        return false;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
