using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>`Capture:` and `Training:`: the capture sink, its encoder, the dataset folder and `cmd/capture`.</summary>
internal static class CaptureServices
{
    public static IServiceCollection AddCapture(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, string> configuredStateDir)
    {
        services.AddOptions<CaptureOptions>().Bind(configuration.GetSection(CaptureOptions.Section)).ValidateOnStart();
        services.AddOptions<StationTrainingOptions>().Bind(configuration.GetSection(StationTrainingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CaptureOptions>, CaptureOptionsValidator>();
        services.AddSingleton<IValidateOptions<StationTrainingOptions>, StationTrainingOptionsValidator>();
        if (!bool.TryParse(configuration[$"{CaptureOptions.Section}:Enabled"], out var enabled) || !enabled)
        {
            return services;
        }

        services.AddSingleton(sp =>
        {
            var dir = sp.GetRequiredService<IOptions<CaptureOptions>>().Value.Dir;
            return new DatasetStore(dir.Length > 0 ? dir : Path.Combine(StationStateDir(sp, configuredStateDir), "dataset"));
        });
        services.AddSingleton<CaptureSink>();
        services.AddSingleton<IResultSink>(sp => sp.GetRequiredService<CaptureSink>());
        // Resolved only with MQTT (the command list is built by the publisher).
        services.AddSingleton<IMqttCommand, CaptureCommand>();
        services.AddHostedService<CaptureWriter>();
        // Capture:GoodPin / Capture:DefectPin: label buttons (their pins are checked with the section).
        services.AddSingleton<LabelButtons>();
        services.AddHostedService(sp => sp.GetRequiredService<LabelButtons>());
        return services;
    }

    /// <summary>The state directory (as the outbox resolves it): trained models and the default dataset live there.</summary>
    public static string StationStateDir(IServiceProvider sp, Func<IServiceProvider, string> configuredStateDir) =>
        StateDirectory.Resolve(configuredStateDir(sp), Environment.GetEnvironmentVariable);
}
