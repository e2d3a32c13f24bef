using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Hosting;

/// <summary>How the station is started (by `edgemobilenet run`).</summary>
public sealed record StationLaunch
{
    /// <summary>Command-line configuration: `--Section:Key value` or `--Section:Key=value`.</summary>
    public IReadOnlyList<string> ConfigArgs { get; init; } = [];

    /// <summary>Run the self-contained demo (synthetic frames, simulated GPIO, embedded broker, demo model).</summary>
    public bool Demo { get; init; }

    /// <summary>An extra JSON settings file, above the standard ones.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Settings from dedicated command-line flags; they win over everything else.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>More services for the host (the web server), given the final configuration.</summary>
    public Action<IServiceCollection, IConfiguration>? AddServices { get; init; }

    /// <summary>Where the one-line start-up error goes (stderr by default).</summary>
    public TextWriter? Error { get; init; }

    /// <summary>Publish the empty retained Home Assistant discovery config (removing the device) and exit.</summary>
    public bool RemoveDiscovery { get; init; }
}

/// <summary>Builds and runs the station's Generic Host.</summary>
public static class StationHost
{
    public const string EnvironmentPrefix = "EDGEMOBILENET__";
    public const string SystemConfigFile = "/etc/edgemobilenet/appsettings.json";

    /// <summary>Runs until stopped (SIGTERM/SIGINT, Station:MaxFrames, end of a finite source). Returns the exit
    /// code; bad input is reported as one line "edgemobilenet: …" on stderr with exit code 2.</summary>
    public static async Task<int> RunAsync(StationLaunch launch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        IHost? host = null;
        var started = false;
        try
        {
            host = Build(launch);
            if (launch.RemoveDiscovery)
            {
                return await Mqtt.DiscoveryRemoval.RunAsync(host.Services, Console.Out, launch.Error ?? Console.Error, cancellationToken).ConfigureAwait(false);
            }

            // Every check (settings, model, labels, rules, pins, source) before any service starts, so bad input
            // gives one line and nothing half-starts: no connection, no retained `state`.
            StartupCheck.Run(host.Services);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            started = true;
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            started = false; // WaitForShutdownAsync has stopped it
            return host.Services.GetRequiredService<RunState>().ExitCode;
        }
        catch (Exception ex) when (UserError(ex) is { } message)
        {
            await (launch.Error ?? Console.Error).WriteLineAsync("edgemobilenet: " + message).ConfigureAwait(false);
            return 2;
        }
        finally
        {
            if (host is not null && started)
            {
                try
                {
                    await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Already stopped.
                }

            }

            host?.Dispose();
        }
    }

    internal static IHost Build(StationLaunch launch, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "edgemobilenet",
        });

        var config = builder.Configuration;
        AddJson(config, Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, "appsettings.json");
        AddJson(config, SystemConfigFile, optional: true, SystemConfigFile);
        if (launch.ConfigFile is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new EdgeMobileNetException($"--config: file not found: {file}");
            }

            AddJson(config, Path.GetFullPath(file), optional: false, "--config " + file);
        }

        if (launch.Demo)
        {
            // The cache folder may itself come from any source, including those added below.
            var cacheDir = new ConfigurationBuilder()
                .AddConfiguration(config)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddCommandLine([.. launch.ConfigArgs])
                .AddInMemoryCollection(launch.Overrides)
                .Build()["Station:CacheDir"];
            config.AddInMemoryCollection(Demo.DemoSetup.Prepare(cacheDir ?? ""));
        }

        config.AddEnvironmentVariables(EnvironmentPrefix);
        config.AddCommandLine([.. launch.ConfigArgs]);
        config.AddInMemoryCollection(launch.Overrides);

        // Misspelt keys and values of the wrong type are refused before binding, with the key's path.
        if (ConfigurationSchema.Check(config) is { Count: > 0 } problems)
        {
            throw new EdgeMobileNetException(string.Join("; ", problems));
        }

        builder.Logging.AddConfiguration(config.GetSection("Logging"));
        // Start-up failures are reported as one line by RunAsync; the host's own stack trace adds nothing for users.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        // Logs go to stderr so stdout carries only the event lines (--demo, Station:PrintEvents).
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o =>
        {
            // SIGTERM to exit within 2 s: the MQTT drain has its own, shorter budget.
            o.ShutdownTimeout = TimeSpan.FromSeconds(1.8);
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });

        builder.Services.AddStation(config);
        launch.AddServices?.Invoke(builder.Services, config);
        configureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    private static void AddJson(IConfigurationBuilder config, string path, bool optional, string name)
    {
        try
        {
            config.AddJsonFile(path, optional, reloadOnChange: false);
        }
        catch (InvalidDataException e)
        {
            var detail = e.InnerException is { } inner ? inner.Message : e.Message;
            throw new EdgeMobileNetException($"{name}: not valid JSON ({detail})", e);
        }
    }

    /// <summary>The one-line message for failures caused by input (configuration, model, files); null for bugs.</summary>
    internal static string? UserError(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OptionsValidationException v:
                    return string.Join("; ", v.Failures);
                case EdgeMobileNetException u:
                    return u.Message;
                case AggregateException { InnerExceptions.Count: 1 } a:
                    return UserError(a.InnerExceptions[0]);
            }
        }

        return null;
    }
}
