using System.Globalization;

namespace EdgeMobileNet.Station.Systemd;

/// <summary>
/// The service manager's watchdog request: WATCHDOG_USEC (the unit's WatchdogSec=) and, when set, WATCHDOG_PID, which
/// must be this process (the variables are inherited by children such as the camera command, which must not ping).
/// The service pings at half the timeout, as sd_watchdog_enabled(3) recommends, so one late ping is not fatal.
/// </summary>
internal sealed record WatchdogSettings(TimeSpan Timeout)
{
    public TimeSpan PingInterval => Timeout / 2;

    /// <summary>The watchdog asked for by the environment; null when there is none (or it is meant for another
    /// process). A malformed value is an error naming the variable: a unit that asks for a watchdog and silently gets
    /// none would restart the service forever.</summary>
    public static WatchdogSettings? FromEnvironment() => Parse(
        Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
        Environment.GetEnvironmentVariable("WATCHDOG_PID"),
        Environment.ProcessId);

    internal static WatchdogSettings? Parse(string? usec, string? pid, int processId)
    {
        if (string.IsNullOrEmpty(usec))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(pid))
        {
            if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || owner <= 0)
            {
                throw new Inference.EdgeMobileNetException($"WATCHDOG_PID: not a process id: '{pid}'");
            }

            if (owner != processId)
            {
                return null;
            }
        }

        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros <= 0)
        {
            throw new Inference.EdgeMobileNetException($"WATCHDOG_USEC: not a positive number of microseconds: '{usec}'");
        }

        return new WatchdogSettings(TimeSpan.FromMicroseconds(micros));
    }
}
