using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Models;

/// <summary>
/// <see cref="IModelDeployer"/>: prepares the new model beside the running one (<see cref="ModelPreparer"/>),
/// records it in the store (<c>active.json</c>, so it survives a restart), hands it to the classification loop
/// (<see cref="Inspector.Offer"/>: swapped between two classifications), then disposes the model it replaced. Any
/// failed step refuses the model with "step: reason" and the old one keeps classifying. One deployment at a time.
/// </summary>
internal sealed partial class ModelDeployer : IModelDeployer, IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly Inspector _inspector;
    private readonly ModelPreparer _preparer;
    private readonly ModelStore _store;
    private readonly RunState _run;
    private readonly ModelOptions _model;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelDeployer> _logger;
    private readonly string _configuredSha256;

    public ModelDeployer(
        Inspector inspector, StartupModel startup, ModelPreparer preparer, ModelStore store, RunState run, IOptions<ModelOptions> model, TimeProvider time,
        ILogger<ModelDeployer> logger)
    {
        _configuredSha256 = startup.ConfiguredSha256;
        _inspector = inspector;
        _preparer = preparer;
        _store = store;
        _run = run;
        _model = model.Value;
        _time = time;
        _logger = logger;
        _run.ModelSha256 = inspector.Active.Info.Sha256;
    }

    public DeployedModel Current => _inspector.Active.Info;

    /// <summary>Raised after a successful swap, before <see cref="DeployAsync"/> returns (not on the loop's thread).</summary>
    public event Action<DeployedModel>? Swapped;

    /// <summary>Raised after every attempt, swapped or refused, with what was asked (for `model/state`).</summary>
    public event Action<ModelSource, ModelDeployOutcome>? Attempted;

    public async Task<ModelDeployOutcome> DeployAsync(ModelSource source, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var outcome = await DeployOneAsync(source, progress, cancellationToken).ConfigureAwait(false);
            Attempted?.Invoke(source, outcome);
            return outcome;
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<ModelDeployOutcome> DeployOneAsync(ModelSource source, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var what = source.Url?.ToString() ?? source.Path ?? "(nothing)";
        LogDeploying(_logger, what, source.Origin);
        ActiveModel prepared;
        try
        {
            prepared = await _preparer.PrepareAsync(source, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelRefusedException e)
        {
            return Refused(what, source, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Refused(what, source, $"store: cannot write the model into {_store.Folder} ({Messages.OneLine(e.Message)})");
        }

        try
        {
            progress?.Report("persist");
            _store.WriteActive(new ActiveRecord(
                prepared.Info.Path, prepared.Info.Sha256, source.Origin, _time.GetUtcNow(), _model.Path, _configuredSha256));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            prepared.Dispose();
            return Refused(what, source, $"persist: cannot record the model in {_store.ActivePath} ({Messages.OneLine(e.Message)})");
        }

        progress?.Report("swap");
        var (old, pauseMs) = await _inspector.Offer(prepared).Completion.ConfigureAwait(false);
        prepared.Info = prepared.Info with { Since = _time.GetUtcNow() };
        _run.ModelSha256 = prepared.Info.Sha256;
        old.Dispose();
        _store.Prune(prepared.Info.Path, old.Info.Path);
        LogSwapped(_logger, prepared.Info.Path, prepared.Info.Sha256, prepared.Info.Labels.Count, prepared.Info.Engine, pauseMs, source.Origin);
        Swapped?.Invoke(prepared.Info);
        return new ModelDeployOutcome(true, null, prepared.Info, pauseMs);
    }

    private ModelDeployOutcome Refused(string what, ModelSource source, string reason)
    {
        LogRefused(_logger, what, source.Origin, reason);
        return new ModelDeployOutcome(false, reason, Current, 0);
    }

    /// <summary>Disposes the model classifying at the end of the run. (The one-at-a-time gate is left to the
    /// collector: a deployment still finishing at shutdown must not fail on it.)</summary>
    public void Dispose() => _inspector.Active.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Model deployment of {What} ({Origin})")]
    private static partial void LogDeploying(ILogger logger, string what, string origin);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model now classifying: {Path} (sha256 {Sha256}, {Classes} classes, {Engine}); the loop paused {PauseMs:0.000} ms for the swap ({Origin})")]
    private static partial void LogSwapped(ILogger logger, string path, string sha256, int classes, string engine, double pauseMs, string origin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model deployment of {What} ({Origin}) refused, the running model stays: {Reason}")]
    private static partial void LogRefused(ILogger logger, string what, string origin, string reason);
}
