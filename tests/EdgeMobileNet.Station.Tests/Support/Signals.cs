using System.Diagnostics;

namespace EdgeMobileNet.Station.Tests.Support;

internal static class Signals
{
    /// <summary>Sends SIGTERM (what systemd and docker stop send) with the system's kill command.</summary>
    public static void Terminate(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
