using System.Diagnostics;
using System.Globalization;

namespace EdgeMobileNet.Deploy.Tests.Support;

/// <summary>POSIX signals through the system's kill command (TERM as systemd sends it; STOP/CONT to stall a producer).</summary>
internal static class Signal
{
    public static void Send(string name, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + name, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {pid} failed with {kill.ExitCode}");
        }
    }
}
