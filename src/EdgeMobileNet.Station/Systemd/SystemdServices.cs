using Microsoft.Extensions.DependencyInjection;

namespace EdgeMobileNet.Station.Systemd;

/// <summary>Registration of the pipeline heartbeat and the systemd watchdog.</summary>
internal static class SystemdServices
{
    /// <summary>Adds the heartbeat the classifier loop reports to and the service that turns it into watchdog
    /// pings. Call after the station's own hosted services, so the readiness notification comes after they started.</summary>
    public static IServiceCollection AddSystemdWatchdog(this IServiceCollection services)
    {
        services.AddSingleton<PipelineHeartbeat>();
        services.AddHostedService<SystemdWatchdogService>();
        return services;
    }
}
