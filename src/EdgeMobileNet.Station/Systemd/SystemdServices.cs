using Microsoft.Extensions.DependencyInjection;

namespace EdgeMobileNet.Station.Systemd;

/// <summary>What the service manager asked for: a watchdog period, or none.</summary>
internal sealed record SystemdWatchdogRequest(WatchdogSettings? Watchdog);

/// <summary>Registration of the pipeline heartbeat and the systemd watchdog.</summary>
internal static class SystemdServices
{
    /// <summary>Adds the heartbeat the classifier loop reports to and the service that turns it into watchdog
    /// pings. Call after the station's own hosted services, so the readiness notification comes after they started.</summary>
    public static IServiceCollection AddSystemdWatchdog(this IServiceCollection services)
    {
        // The watchdog request is read here, so a malformed WATCHDOG_USEC is reported before anything starts.
        var watchdog = Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } ? WatchdogSettings.FromEnvironment() : null;
        services.AddSingleton(new SystemdWatchdogRequest(watchdog));
        services.AddSingleton<PipelineHeartbeat>();
        services.AddHostedService<SystemdWatchdogService>();
        return services;
    }
}
