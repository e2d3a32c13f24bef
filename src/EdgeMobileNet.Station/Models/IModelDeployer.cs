namespace EdgeMobileNet.Station.Models;

/// <summary>Where a new model comes from: a local file, or an HTTPS URL with the SHA-256 it must have. A local path
/// may also carry a SHA-256 to check.</summary>
/// <param name="Path">A model file on the station (e.g. one just trained), or null.</param>
/// <param name="Url">An https:// URL to download, or null.</param>
/// <param name="Sha256">Lower-case hex SHA-256 the file must have; required with <paramref name="Url"/>.</param>
/// <param name="Origin">Who asked (`mqtt`, `web`, `training`), for the log and the event.</param>
public sealed record ModelSource(string? Path, Uri? Url, string? Sha256, string Origin);

/// <summary>The model the station classifies with.</summary>
/// <param name="Path">The file it was loaded from.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of that file (carried by events and `state`).</param>
/// <param name="Labels">Its class labels, in output order.</param>
/// <param name="Engine">The engine running it.</param>
/// <param name="Since">When it started classifying.</param>
public sealed record DeployedModel(string Path, string Sha256, IReadOnlyList<string> Labels, string Engine, DateTimeOffset Since);

/// <summary>What became of a deployment.</summary>
/// <param name="Swapped">True when the new model now classifies.</param>
/// <param name="Reason">Why it was refused, or null: one line, "step: reason" (steps: request, download or path,
/// sha256, store, load, warm-up, labels, rules, persist).</param>
/// <param name="Current">The model classifying after the attempt (the old one when refused).</param>
/// <param name="PauseMs">How long the classification loop waited for the swap itself (0 when refused).</param>
public sealed record ModelDeployOutcome(bool Swapped, string? Reason, DeployedModel Current, double PauseMs);

/// <summary>
/// Replaces the running model without a restart: fetch (download over HTTPS or read a local file), verify the hash,
/// load and warm the new model beside the running one, check its labels against the decision rules, then swap it in
/// between two classifications. Any failed step refuses the model with the reason and the old one keeps running.
/// One deployment at a time; a second waits for the first. Used by `cmd/model` (MQTT), the web page and training.
/// </summary>
public interface IModelDeployer
{
    DeployedModel Current { get; }

    /// <summary>Raised after a successful swap, before <see cref="DeployAsync"/> returns (on a pool thread, not the
    /// classification loop's: the new model already classifies).</summary>
    event Action<DeployedModel>? Swapped;

    Task<ModelDeployOutcome> DeployAsync(ModelSource source, IProgress<string>? progress, CancellationToken cancellationToken);
}
