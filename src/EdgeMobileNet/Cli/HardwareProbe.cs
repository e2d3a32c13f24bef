using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Arm = System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace EdgeMobileNet.Cli;

/// <summary>Facts about the machine that decide which kernels and devices a station can use.</summary>
internal static class HardwareProbe
{
    /// <summary>Instruction sets as the JIT sees them (what our kernels can actually use), for this architecture.</summary>
    public static IReadOnlyDictionary<string, bool> Simd()
    {
        var simd = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.Arm64 or Architecture.Arm:
                simd["ArmBase"] = Arm.ArmBase.IsSupported;
                simd["AdvSimd"] = Arm.AdvSimd.IsSupported;
                simd["AdvSimd.Arm64"] = Arm.AdvSimd.Arm64.IsSupported;
                simd["Dp"] = Arm.Dp.IsSupported;
                simd["Rdm"] = Arm.Rdm.IsSupported;
                simd["Crc32"] = Arm.Crc32.IsSupported;
                simd["Aes"] = Arm.Aes.IsSupported;
                simd["Sha1"] = Arm.Sha1.IsSupported;
                simd["Sha256"] = Arm.Sha256.IsSupported;
#pragma warning disable SYSLIB5003 // SVE is preview in .NET 10; reading IsSupported is harmless and worth reporting
                simd["Sve"] = Arm.Sve.IsSupported;
                simd["Sve2"] = Arm.Sve2.IsSupported;
#pragma warning restore SYSLIB5003
                break;
            case Architecture.X64 or Architecture.X86:
                simd["Sse"] = X86.Sse.IsSupported;
                simd["Sse2"] = X86.Sse2.IsSupported;
                simd["Sse3"] = X86.Sse3.IsSupported;
                simd["Ssse3"] = X86.Ssse3.IsSupported;
                simd["Sse41"] = X86.Sse41.IsSupported;
                simd["Sse42"] = X86.Sse42.IsSupported;
                simd["Popcnt"] = X86.Popcnt.IsSupported;
                simd["Lzcnt"] = X86.Lzcnt.IsSupported;
                simd["Bmi1"] = X86.Bmi1.IsSupported;
                simd["Bmi2"] = X86.Bmi2.IsSupported;
                simd["Pclmulqdq"] = X86.Pclmulqdq.IsSupported;
                simd["Aes"] = X86.Aes.IsSupported;
                simd["Avx"] = X86.Avx.IsSupported;
                simd["Avx2"] = X86.Avx2.IsSupported;
                simd["Fma"] = X86.Fma.IsSupported;
                simd["AvxVnni"] = X86.AvxVnni.IsSupported;
                simd["Avx512F"] = X86.Avx512F.IsSupported;
                simd["Avx512BW"] = X86.Avx512BW.IsSupported;
                simd["Avx512CD"] = X86.Avx512CD.IsSupported;
                simd["Avx512DQ"] = X86.Avx512DQ.IsSupported;
                simd["Avx512Vbmi"] = X86.Avx512Vbmi.IsSupported;
                simd["Avx512Vbmi2"] = X86.Avx512Vbmi2.IsSupported;
                simd["Avx10v1"] = X86.Avx10v1.IsSupported;
                simd["Avx10v2"] = X86.Avx10v2.IsSupported;
                simd["Gfni"] = X86.Gfni.IsSupported;
                break;
        }

        return simd;
    }

    /// <summary>Width in bits of each hardware-accelerated vector type (0 when not accelerated).</summary>
    public static IReadOnlyDictionary<string, int> VectorBits() => new SortedDictionary<string, int>(StringComparer.Ordinal)
    {
        ["Vector"] = System.Numerics.Vector.IsHardwareAccelerated ? System.Numerics.Vector<byte>.Count * 8 : 0,
        ["Vector128"] = Vector128.IsHardwareAccelerated ? 128 : 0,
        ["Vector256"] = Vector256.IsHardwareAccelerated ? 256 : 0,
        ["Vector512"] = Vector512.IsHardwareAccelerated ? 512 : 0,
    };

    /// <summary>The CPU name from /proc/cpuinfo: "model name" on x86 and most ARM kernels, else "Model"/"Hardware".</summary>
    public static string? CpuModel()
    {
        var lines = TryReadLines("/proc/cpuinfo");
        foreach (var key in (string[])["model name", "Model", "Hardware", "cpu model"])
        {
            foreach (var line in lines)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim() == key)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }

        return null;
    }

    /// <summary>The board name from the device tree (Raspberry Pi, Jetson); null on PCs.</summary>
    public static string? BoardModel() => TryRead("/proc/device-tree/model")?.TrimEnd('\0', '\n', ' ');

    public static IReadOnlyList<string> VideoDevices() => DevNodes("video");

    /// <summary>The libgpiod library the GPIO driver would load (Debian's libgpiod2 is libgpiod.so.2, libgpiod 2.x is
    /// libgpiod.so.3), or null when neither loads: `Gpio:Driver libgpiod` then fails at start-up.</summary>
    public static string? Libgpiod()
    {
        foreach (var name in (string[])["libgpiod.so.2", "libgpiod.so.3"])
        {
            if (System.Runtime.InteropServices.NativeLibrary.TryLoad(name, out var handle))
            {
                System.Runtime.InteropServices.NativeLibrary.Free(handle);
                return name;
            }
        }

        return null;
    }

    public static IReadOnlyList<GpioChipProbe> GpioChips() =>
        DevNodes("gpiochip").Select(device =>
        {
            var name = Path.GetFileName(device);
            var (label, lines) = ChipInfo(name);
            return new GpioChipProbe(device, label, lines);
        }).ToList();

    /// <summary>
    /// A chip's label and line count. The GPIO bus has one folder per chip; the legacy sysfs class names chips by
    /// their first line number instead, so there the folder is matched through its `device` link.
    /// </summary>
    private static (string? Label, int? Lines) ChipInfo(string chip)
    {
        var busDir = Path.Combine("/sys/bus/gpio/devices", chip);
        var label = TryRead(Path.Combine(busDir, "label"))?.Trim();
        var lines = ParseInt(TryRead(Path.Combine(busDir, "ngpio")));
        if (label is not null)
        {
            return (label, lines);
        }

        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/sys/class/gpio", "gpiochip*"))
            {
                var device = new DirectoryInfo(Path.Combine(dir, "device"));
                if (device.LinkTarget is { } target && Path.GetFileName(target) == chip || Path.GetFileName(dir) == chip)
                {
                    return (TryRead(Path.Combine(dir, "label"))?.Trim(), ParseInt(TryRead(Path.Combine(dir, "ngpio"))) ?? lines);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No readable sysfs (containers): the device node alone is still worth reporting.
        }

        return (null, lines);
    }

    private static IReadOnlyList<string> DevNodes(string prefix)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/dev", prefix + "*")
                .Where(p => int.TryParse(Path.GetFileName(p).AsSpan(prefix.Length), out _))
                .OrderBy(p => int.Parse(Path.GetFileName(p).AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static int? ParseInt(string? text) =>
        int.TryParse(text?.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] TryReadLines(string path) => TryRead(path)?.Split('\n') ?? [];
}
