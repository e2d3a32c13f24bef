using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Training;

/// <summary>
/// Runs the frozen part of the backbone (<see cref="Backbone.CutModel"/>) on images and caches the activations at the
/// cut, one file per (backbone, preprocessing, view, image content): renaming or moving an image costs nothing and
/// retraining after adding images embeds only the new ones. Cache files are written to a temporary name and renamed,
/// so an interrupted run never leaves a truncated entry.
/// </summary>
public sealed class Embedder : IDisposable
{
    private readonly Backbone _backbone;
    private readonly IClassifier _classifier;
    private readonly Preprocessor _pre;
    private readonly string? _cacheDir;
    private readonly string _keyPrefix;
    private readonly string _tempModel;

    // One cache entry's bytes, reused for every read and write: embedding allocates no per-image buffers of its own.
    private readonly byte[] _entry;

    public Embedder(Backbone backbone, PreprocessOptions preprocess, string engine, string? cacheDir)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(preprocess);
        _backbone = backbone;
        _tempModel = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgemobilenet-cut-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        OnnxWriter.Write(backbone.CutModel(), _tempModel);
        try
        {
            _classifier = ClassifierFactory.Create(_tempModel, new ClassifierOptions { Engine = engine, Threads = 1 });
        }
        finally
        {
            File.Delete(_tempModel);
        }

        if (_classifier.Output.Classes != backbone.CutLength)
        {
            throw new EdgeMobileNetException($"{backbone.Path}: the feature map at the cut has {_classifier.Output.Classes} values, expected {backbone.CutLength}");
        }

        _entry = new byte[backbone.CutLength * sizeof(float)];
        _pre = new Preprocessor(_classifier.Input, preprocess);
        Engine = _classifier.Engine;
        _cacheDir = cacheDir is null ? null : System.IO.Path.Combine(cacheDir, backbone.Sha256[..16]);
        if (_cacheDir is not null)
        {
            Directory.CreateDirectory(_cacheDir);
        }

        // Float engines may differ in the last bit; int8 results are identical across engines.
        var prep = string.Create(CultureInfo.InvariantCulture, $"{backbone.Sha256}|{string.Join(",", preprocess.Mean)}|{string.Join(",", preprocess.Std)}|{preprocess.ResizeRatio}|{(backbone.IsQuantized ? "int8" : Engine)}");
        _keyPrefix = prep;
    }

    public string Engine { get; }

    /// <summary>Images embedded by the backbone (not found in the cache) since creation.</summary>
    public int Computed { get; private set; }

    public int FromCache { get; private set; }

    /// <summary>Adds the activations at the cut of each image, changed by <paramref name="view"/>, to
    /// <paramref name="store"/>.</summary>
    internal void Embed(IReadOnlyList<LabelledImage> images, Augmentation view, ActivationStore store, IProgress<TrainingProgress>? progress, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(store);
        var meter = new ProgressMeter(progress, view.Apply is null ? "embedding" : $"embedding ({view.Key})", images.Count);
        for (var i = 0; i < images.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            store.Add(EmbedOne(images[i].Path, view));
            meter.Report(i + 1, $"{Computed} computed, {FromCache} cached");
        }
    }

    /// <summary>The activations of one image; the span is valid until the next call.</summary>
    private ReadOnlySpan<float> EmbedOne(string path, Augmentation view)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"{path}: cannot read ({ex.Message})", ex);
        }

        string? cachePath = null;
        if (_cacheDir is not null)
        {
            var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{_keyPrefix}|{view.Key}|{Convert.ToHexStringLower(SHA256.HashData(bytes))}"));
            cachePath = System.IO.Path.Combine(_cacheDir, Convert.ToHexStringLower(key) + ".f32");
            if (TryRead(cachePath, _entry))
            {
                FromCache++;
                return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_entry);
            }
        }

        var image = ImageDecoder.Decode(bytes, path);
        if (view.Apply is { } change)
        {
            image = change(image);
        }

        _pre.Run(image, _classifier.InputBuffer);
        var features = _classifier.Run();
        Computed++;
        if (cachePath is not null)
        {
            var temp = cachePath + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            using (var file = File.Create(temp))
            {
                file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(features));
            }

            File.Move(temp, cachePath, overwrite: true);
        }

        return features;
    }

    /// <summary>Reads a cache entry into <paramref name="entry"/>; false when it is missing, unreadable or not
    /// exactly one entry long.</summary>
    private static bool TryRead(string path, byte[] entry)
    {
        try
        {
            using var file = File.OpenHandle(path);
            return RandomAccess.GetLength(file) == entry.Length && ReadExactly(file, entry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] entry)
    {
        var done = 0;
        while (done < entry.Length)
        {
            var n = RandomAccess.Read(file, entry.AsSpan(done), done);
            if (n == 0)
            {
                return false;
            }

            done += n;
        }

        return true;
    }

    public void Dispose() => _classifier.Dispose();
}
