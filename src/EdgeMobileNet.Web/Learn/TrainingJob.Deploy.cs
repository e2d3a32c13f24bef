using System.Security.Cryptography;
using EdgeMobileNet.Station.Models;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Web.Learn;

/// <summary>What a deploy request came to: the HTTP status and either the outcome or an error line.</summary>
internal sealed record DeployAnswer(int Status, DeployDto? Outcome, string? Error);

internal sealed partial class TrainingJob
{
    /// <summary>Hot-swaps a trained model (<paramref name="file"/> in <see cref="ModelsDir"/>, or the one trained
    /// last) through <see cref="IModelDeployer"/>. One deployment at a time.</summary>
    public async Task<DeployAnswer> DeployAsync(string? file, CancellationToken cancellationToken)
    {
        if (_deployer is null)
        {
            return new DeployAnswer(503, null, "model deployment is not available in this station (no model deployer)");
        }

        file ??= Status().Model?.File;
        if (file is null)
        {
            return new DeployAnswer(409, null, "no trained model yet: train first, or name one with {\"model\": \"trained-….onnx\"}");
        }

        if (Path.GetFileName(file) != file || !file.EndsWith(".onnx", StringComparison.Ordinal) || file.StartsWith('.'))
        {
            return new DeployAnswer(400, null, $"model: '{file}' must be the file name of a model in {ModelsDir}");
        }

        var path = Path.Combine(ModelsDir, file);
        if (!File.Exists(path))
        {
            return new DeployAnswer(404, null, $"model: {file} not found in {ModelsDir}");
        }

        await _deploying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string sha;
            await using (var stream = File.OpenRead(path))
            {
                sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            LogDeploying(_logger, path, sha);
            var outcome = await _deployer.DeployAsync(new ModelSource(path, null, sha, "web"), null, cancellationToken).ConfigureAwait(false);
            var current = outcome.Current;
            var dto = new DeployDto(outcome.Swapped, outcome.Reason, Path.GetFileName(current.Path), current.Sha256, [.. current.Labels], outcome.PauseMs, _time.GetUtcNow());
            Update(s => s with { Deploy = dto });
            return new DeployAnswer(outcome.Swapped ? 200 : 422, dto, outcome.Swapped ? null : outcome.Reason);
        }
        finally
        {
            _deploying.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deploying trained model {Path} (sha256 {Sha256}) from the page")]
    private static partial void LogDeploying(ILogger logger, string path, string sha256);
}
