using System.Globalization;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Classification;

/// <summary>
/// Opens a model with its labels and preprocessing, and runs it once, so every problem with the model is found
/// before it classifies a part: at start-up for <c>Model:Path</c>, and step by step for a model deployment
/// (<see cref="Models.ModelPreparer"/>). Replaceable in the container (e.g. to share a loaded model).
/// </summary>
internal class ModelLoader
{
    /// <summary>Loads the model file at <paramref name="path"/> with the configured engine and threads.</summary>
    public virtual IClassifier Load(string path, ModelOptions model) =>
        ClassifierFactory.Create(path, new ClassifierOptions { Engine = model.Engine, Threads = model.Threads });

    /// <summary>The configured model (<c>Model:Path</c>) for start-up; every error names the setting.</summary>
    public FrameClassifier Open(ModelOptions model, SourceOptions source)
    {
        IClassifier classifier;
        try
        {
            classifier = Load(model.Path, model);
        }
        catch (EdgeMobileNetException e) when (!e.Message.StartsWith("Model:", StringComparison.Ordinal))
        {
            throw new EdgeMobileNetException($"Model:Path: {e.Message}", e);
        }

        try
        {
            var (labels, metadataRatio) = ConfiguredLabels(model, classifier.Output.Classes);
            var frames = Build(classifier, labels, model, metadataRatio, source);
            try
            {
                WarmUp(classifier);
            }
            catch (Exception e) when (e is not EdgeMobileNetException and not OutOfMemoryException)
            {
                throw new EdgeMobileNetException($"Model:Path: {model.Path}: the model loads but fails to run on {classifier.Engine} ({Messages.OneLine(e.Message)})", e);
            }

            return frames;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>The frame classifier for a loaded model: the configured view (rotation, region of interest) and
    /// normalisation; the resize ratio from the model's metadata when <paramref name="metadataRatio"/> is set.</summary>
    public static FrameClassifier Build(IClassifier classifier, IReadOnlyList<string> labels, ModelOptions model, float? metadataRatio, SourceOptions source)
    {
        var ratio = metadataRatio ?? model.ResizeRatio;
        var preprocess = new PreprocessOptions { ResizeRatio = ratio };
        if (model.Mean.Count > 0)
        {
            preprocess = preprocess with { Mean = [.. model.Mean] };
        }

        if (model.Std.Count > 0)
        {
            preprocess = preprocess with { Std = [.. model.Std] };
        }

        var view = FrameView.From(source);
        var input = classifier.Input;
        return new FrameClassifier(classifier, labels, preprocess, view)
        {
            DecodeShortSide = view.IsIdentity ? (int)Math.Ceiling(Math.Max(input.Width, input.Height) * ratio) : null,
        };
    }

    /// <summary>The first run of an engine is slow (lazy allocation, kernel selection): pay it now, not on the first
    /// part. A model that loads but cannot run (an operator attribute the engine rejects) fails here.</summary>
    public static void WarmUp(IClassifier classifier)
    {
        classifier.InputBuffer.Clear();
        classifier.Run();
    }

    /// <summary>Labels for the configured model: <c>Model:LabelList</c>, else <c>Model:Labels</c>, else the labels
    /// the model carries in its metadata (then with its resize ratio too), else the class indices.</summary>
    internal static (IReadOnlyList<string> Labels, float? MetadataRatio) ConfiguredLabels(ModelOptions model, int classes)
    {
        if (model.LabelList.Count > 0)
        {
            return model.LabelList.Count == classes
                ? (model.LabelList, null)
                : throw new EdgeMobileNetException($"Model:LabelList: {model.LabelList.Count} labels but the model has {classes} classes");
        }

        if (model.Labels.Length > 0)
        {
            return (LabelFile.Read(model.Labels, classes, "Model:Labels"), null);
        }

        var description = ModelMetadata.Read(model.Path);
        return description.Labels is { } names && names.Length == classes
            ? (names, description.ResizeRatio)
            : (Indices(classes), null);
    }

    internal static string[] Indices(int classes) =>
        [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
}
