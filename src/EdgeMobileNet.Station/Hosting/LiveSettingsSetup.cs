using System.Globalization;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Hosting;

/// <summary>The live settings at start: the configuration (Decision:Threshold, Trigger:Rate; outputs on, not
/// paused), overridden by the settings last accepted by `cmd/set` (`&lt;state directory&gt;/settings.json`) when
/// Mqtt:Commands is on. Each override is logged, so a setting that differs from the configuration is never a
/// surprise.</summary>
internal static partial class LiveSettingsSetup
{
    public static LiveSettingsFile File(StationOptions station) =>
        new(Path.Combine(StateDirectory.Resolve(station.StateDir, Environment.GetEnvironmentVariable), LiveSettingsFile.FileName));

    public static LiveSettings Create(DecisionOptions decision, TriggerOptions trigger, MqttOptions mqtt, LiveSettingsFile file, ILogger logger)
    {
        var configured = new LiveValues(decision.Threshold, Outputs: true, Paused: false, trigger.Rate);
        if (!mqtt.Enabled || !mqtt.Commands)
        {
            if (System.IO.File.Exists(file.Path))
            {
                LogIgnored(logger, file.Path);
            }

            return new LiveSettings(configured);
        }

        var saved = file.Load(configured);
        if (saved is null || saved == configured)
        {
            return new LiveSettings(configured);
        }

        Override(logger, file, "threshold", "Decision:Threshold", configured.Threshold, saved.Threshold);
        Override(logger, file, "rate", "Trigger:Rate", configured.Rate, saved.Rate);
        Override(logger, file, "outputs", null, configured.Outputs, saved.Outputs);
        Override(logger, file, "paused", null, configured.Paused, saved.Paused);
        return new LiveSettings(saved);
    }

    private static void Override<T>(ILogger logger, LiveSettingsFile file, string field, string? key, T configured, T saved)
        where T : IFormattable
    {
        if (!EqualityComparer<T>.Default.Equals(configured, saved))
        {
            LogOverride(logger, file.Path, field, saved.ToString(null, CultureInfo.InvariantCulture), key ?? "start-up default", configured.ToString(null, CultureInfo.InvariantCulture));
        }
    }

    private static void Override(ILogger logger, LiveSettingsFile file, string field, string? key, bool configured, bool saved)
    {
        if (configured != saved)
        {
            LogOverride(logger, file.Path, field, saved ? "true" : "false", key ?? "start-up default", configured ? "true" : "false");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: {Field} {Saved} (set by cmd/set) overrides the configuration ({Key} {Configured})")]
    private static partial void LogOverride(ILogger logger, string file, string field, string saved, string key, string configured);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File} ignored: Mqtt:Commands is off, the configuration applies")]
    private static partial void LogIgnored(ILogger logger, string file);
}
