using EdgeMobileNet.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>Registers the outbox: <see cref="OutboxOptions"/> from the <c>Outbox</c> section (checked at start),
/// and the <see cref="IOutboxStore"/> it selects (disk: <c>&lt;state directory&gt;/outbox</c>). Call before the station's own registrations (they
/// only add a memory outbox when none is registered).</summary>
internal static class OutboxServices
{
    public static IServiceCollection AddOutbox(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, string> configuredStateDir)
    {
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection("Outbox")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();
        services.AddSingleton(sp => Create(
            sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
            StateDirectory.Resolve(configuredStateDir(sp), Environment.GetEnvironmentVariable),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeMobileNet.Station.Outbox")));
        return services;
    }

    /// <summary>Opens the configured outbox. A state directory that cannot be created or written stops the start
    /// with the key named (exit code 2).</summary>
    public static IOutboxStore Create(OutboxOptions options, string stateDirectory, TimeProvider time, ILogger logger)
    {
        if (options.Kind == "memory")
        {
            return new MemoryOutboxStore(options.ToLimits(), time);
        }

        var dir = Path.Combine(stateDirectory, "outbox");
        try
        {
            return SegmentLogOutbox.Open(
                dir,
                options.ToLimits(),
                time,
                logger,
                TimeSpan.FromMilliseconds(options.CommitIntervalMs),
                (long)options.SegmentMegabytes << 20);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"Station:StateDir: cannot keep the outbox in {dir} ({ex.Message})", ex);
        }
    }
}
