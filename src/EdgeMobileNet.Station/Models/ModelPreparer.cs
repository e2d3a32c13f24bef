using System.Text.RegularExpressions;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Models;

/// <summary>
/// Makes a model ready to classify beside the running one, one named step at a time: fetch (<c>download</c> or
/// <c>path</c>), <c>sha256</c>, <c>load</c> (configured engine and threads), <c>warm-up</c>, <c>labels</c>,
/// <c>rules</c>. A failed step throws <see cref="ModelRefusedException"/> ("step: reason") and leaves nothing behind.
/// Labels of a deployed model: those in its metadata (as `train` writes them, with its resize ratio), else the
/// configured labels when their count fits, else the class indices.
/// </summary>
internal sealed partial class ModelPreparer(
    ModelLoader loader, ModelStore store, ModelFetcher fetcher, IOptions<ModelOptions> model, IOptions<SourceOptions> source,
    IOptions<DecisionOptions> decision, TimeProvider time)
{
    private readonly ModelOptions _model = model.Value;

    public async Task<ActiveModel> PrepareAsync(ModelSource request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var expected = CheckRequest(request);
        string part;
        string sha;
        if (request.Url is { } url)
        {
            progress?.Report("download");
            (part, sha) = await fetcher.DownloadAsync(
                url, _model.DownloadMaxMegabytes * 1024L * 1024L, TimeSpan.FromSeconds(_model.DownloadTimeoutSeconds), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            progress?.Report("path");
            (part, sha) = await fetcher.CopyAsync(request.Path!, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            progress?.Report("sha256");
            if (expected is not null && sha != expected)
            {
                throw new ModelRefusedException("sha256", $"{(object?)request.Url ?? request.Path} has SHA-256 {sha}, expected {expected}");
            }

            var stored = store.PathFor(sha);
            File.Move(part, stored, overwrite: true);
            return await Task.Run(() => Open(stored, sha, progress), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(part); // gone already when moved
        }
    }

    /// <summary>Loads a model file already in place (the store, or <c>Model:Path</c> at start): load, warm-up,
    /// labels, rules.</summary>
    public ActiveModel Open(string path, string sha, IProgress<string>? progress = null)
    {
        progress?.Report("load");
        IClassifier classifier;
        try
        {
            classifier = loader.Load(path, _model);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelRefusedException("load", $"{path}: {Messages.OneLine(e.Message)}", e);
        }

        try
        {
            progress?.Report("warm-up");
            try
            {
                ModelLoader.WarmUp(classifier);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new ModelRefusedException("warm-up", $"{path} loads but fails to run on {classifier.Engine} ({Messages.OneLine(e.Message)})", e);
            }

            progress?.Report("labels");
            var (labels, ratio) = Labels(path, classifier.Output.Classes);
            progress?.Report("rules");
            DecisionPolicy policy;
            try
            {
                policy = DecisionPolicy.Create(decision.Value, labels);
            }
            catch (EdgeMobileNetException e)
            {
                throw new ModelRefusedException("rules", e.Message, e);
            }

            var frames = ModelLoader.Build(classifier, labels, _model, ratio, source.Value);
            return new ActiveModel(frames, policy, new DeployedModel(path, sha, labels, classifier.Engine, time.GetUtcNow()));
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    private (IReadOnlyList<string> Labels, float? Ratio) Labels(string path, int classes)
    {
        var description = ModelMetadata.Read(path);
        if (description.Labels is { } names)
        {
            return names.Length == classes
                ? (names, description.ResizeRatio)
                : throw new ModelRefusedException("labels", $"the model's metadata has {names.Length} labels but the model has {classes} classes");
        }

        if (_model.LabelList.Count == classes)
        {
            return (_model.LabelList, description.ResizeRatio);
        }

        if (_model.Labels.Length > 0)
        {
            try
            {
                return (LabelFile.Read(_model.Labels, classes, "Model:Labels"), description.ResizeRatio);
            }
            catch (EdgeMobileNetException e)
            {
                throw new ModelRefusedException("labels", $"the model carries no labels and {e.Message}", e);
            }
        }

        return _model.LabelList.Count > 0
            ? throw new ModelRefusedException("labels", $"the model carries no labels and Model:LabelList has {_model.LabelList.Count} for its {classes} classes")
            : (ModelLoader.Indices(classes), description.ResizeRatio);
    }

    /// <summary>The expected SHA-256 (lower case) or null; refuses a request that names no source, both, or a URL
    /// without its hash.</summary>
    private static string? CheckRequest(ModelSource request)
    {
        if ((request.Path is null) == (request.Url is null))
        {
            throw new ModelRefusedException("request", "give either a url (with its sha256) or a path");
        }

        if (request.Sha256 is null)
        {
            return request.Url is null ? null : throw new ModelRefusedException("sha256", "required with a url");
        }

        var sha = request.Sha256.Trim().ToLowerInvariant();
        return Sha256Text().IsMatch(sha) ? sha : throw new ModelRefusedException("sha256", $"'{request.Sha256}' is not 64 hexadecimal digits");
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Text();
}
