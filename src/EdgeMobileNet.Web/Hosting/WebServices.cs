using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Web.Api;
using EdgeMobileNet.Web.Feed;
using EdgeMobileNet.Web.Station;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Hosting;

/// <summary>Adds the web server to the station's services when `Web:Enabled` (on by default in the demo).</summary>
public static class WebServices
{
    private static readonly string[] KnownKeys =
    [
        nameof(WebOptions.Enabled), nameof(WebOptions.Urls), nameof(WebOptions.Token), nameof(WebOptions.TokenFile),
        nameof(WebOptions.RecentEvents), nameof(WebOptions.RecentFrames), nameof(WebOptions.FrameRate), nameof(WebOptions.JpegQuality),
    ];

    /// <summary>`Web:Enabled` defaults to <paramref name="demo"/>; any configuration source can still set it.</summary>
    public static IServiceCollection AddStationWeb(this IServiceCollection services, IConfiguration configuration, bool demo)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(WebOptions.SectionName);
        services.AddOptions<WebOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebOptions>, WebOptionsValidator>();
        if (!section.GetValue(nameof(WebOptions.Enabled), demo))
        {
            return services;
        }

        // Bound after the check above so `Web:Enabled` from any source wins over the demo's default.
        services.PostConfigure<WebOptions>(o => o.Enabled = true);

        // Checked now, while the host is being built, so a bad setting stops the start before any service runs.
        foreach (var key in section.GetChildren().Select(c => c.Key))
        {
            if (!KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new OptionsValidationException(WebOptions.SectionName, typeof(WebOptions), [$"Web:{key}: unknown key (known under Web: {string.Join(", ", KnownKeys)})"]);
            }
        }

        var options = new WebOptions();
        section.Bind(options);
        options.Enabled = true;
        var result = new WebOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(WebOptions.SectionName, typeof(WebOptions), result.Failures);
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new WebLaunch(PrintUrl: demo));
        services.AddSingleton<StationView>();
        services.AddSingleton<IStationView>(sp => sp.GetRequiredService<StationView>());
        services.AddSingleton(sp =>
        {
            var feed = new LiveFeed(sp.GetRequiredService<IOptions<WebOptions>>(), sp.GetRequiredService<TimeProvider>());
            feed.SetRegionOfInterest(sp.GetRequiredService<StationView>().Roi);
            return feed;
        });
        services.AddSingleton<LatencyHistogram>();
        services.AddSingleton<StationMeters>();
        // Last of the sinks: the outputs and the MQTT event come first.
        services.AddSingleton<IResultSink, WebResultSink>();
        if (bool.TryParse(configuration["Capture:Enabled"], out var capture) && capture)
        {
            // The gallery, labelling and training (docs/web.md, "Captures and training").
            services.AddSingleton<Learn.TrainingJob>();
            services.AddSingleton<Learn.LearnEndpoints>();
        }

        services.AddHostedService<WebServer>();
        return services;
    }
}
