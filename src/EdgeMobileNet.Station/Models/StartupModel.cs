using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Models;

/// <summary>
/// The model the station starts with. A model deployed in an earlier run (recorded in
/// <c>&lt;state directory&gt;/models/active.json</c>) wins over <c>Model:Path</c>, so a deployment survives a restart,
/// unless <c>Model:Path</c> was changed since (another file, or new contents: the configuration then wins and the
/// record is forgotten). A record or stored file that is missing, corrupt (SHA-256 differs) or no longer fits the
/// rules is logged as a warning and <c>Model:Path</c> is used. Problems with <c>Model:Path</c> itself stop the start
/// with a message naming the setting, as before.
/// </summary>
internal sealed partial class StartupModel
{
    public StartupModel(
        ModelLoader loader, ModelPreparer preparer, ModelStore store, IOptions<ModelOptions> model, IOptions<SourceOptions> source,
        IOptions<DecisionOptions> decision, TimeProvider time, ILogger<StartupModel> logger)
    {
        var m = model.Value;
        try
        {
            ConfiguredSha256 = ModelStore.Hash(m.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"Model:Path: cannot read {m.Path} ({e.Message})", e);
        }

        Model = Deployed(preparer, store, m, logger) ?? Configured(loader, m, source.Value, decision.Value, time);
    }

    public ActiveModel Model { get; }

    /// <summary>SHA-256 of the configured <c>Model:Path</c>.</summary>
    public string ConfiguredSha256 { get; }

    private ActiveModel Configured(ModelLoader loader, ModelOptions m, SourceOptions source, DecisionOptions decision, TimeProvider time)
    {
        var frames = loader.Open(m, source);
        try
        {
            // A rule naming no class fails here, at start-up.
            var policy = DecisionPolicy.Create(decision, frames.Labels);
            return new ActiveModel(frames, policy, new DeployedModel(m.Path, ConfiguredSha256, frames.Labels, frames.Classifier.Engine, time.GetUtcNow()));
        }
        catch
        {
            frames.Dispose();
            throw;
        }
    }

    private ActiveModel? Deployed(ModelPreparer preparer, ModelStore store, ModelOptions m, ILogger logger)
    {
        ActiveRecord? record;
        try
        {
            record = store.ReadActive();
        }
        catch (InvalidDataException e)
        {
            LogFallBack(logger, $"the deployment record is unreadable ({e.Message})", m.Path);
            return null;
        }

        if (record is null)
        {
            return null;
        }

        if (record.ConfiguredPath != m.Path || record.ConfiguredSha256 != ConfiguredSha256)
        {
            LogConfigurationWins(logger, record.Path, m.Path);
            TryForget(store);
            return null;
        }

        string sha;
        try
        {
            sha = ModelStore.Hash(record.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFallBack(logger, $"the deployed model {record.Path} cannot be read ({Messages.OneLine(e.Message)})", m.Path);
            return null;
        }

        if (sha != record.Sha256)
        {
            LogFallBack(logger, $"the deployed model {record.Path} is corrupt (SHA-256 {sha}, recorded {record.Sha256})", m.Path);
            return null;
        }

        try
        {
            var active = preparer.Open(record.Path, sha);
            active.Info = active.Info with { Since = record.Since };
            LogUsingDeployed(logger, record.Path, sha, record.Origin, record.Since, m.Path);
            return active;
        }
        catch (ModelRefusedException e)
        {
            LogFallBack(logger, $"the deployed model {record.Path} is refused ({e.Message})", m.Path);
            return null;
        }
    }

    private static void TryForget(ModelStore store)
    {
        try
        {
            store.ForgetActive();
        }
        catch (IOException)
        {
            // Seen again (and logged again) at the next start.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model: using the deployed model {Path} (sha256 {Sha256}, deployed by {Origin} at {Since:o}) instead of Model:Path {Configured}")]
    private static partial void LogUsingDeployed(ILogger logger, string path, string sha256, string origin, DateTimeOffset since, string configured);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model: {Problem}; using Model:Path {Configured}")]
    private static partial void LogFallBack(ILogger logger, string problem, string configured);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model: Model:Path {Configured} changed since {Deployed} was deployed; the configured model wins and the deployment record is removed")]
    private static partial void LogConfigurationWins(ILogger logger, string deployed, string configured);
}
