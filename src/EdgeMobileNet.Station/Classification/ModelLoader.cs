using System.Globalization;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Classification;

/// <summary>Opens the configured model with its labels and preprocessing, and runs it once, so every problem with
/// the model is found at start-up. Replaceable in the container (e.g. to share a loaded model).</summary>
internal class ModelLoader
{
    public virtual IClassifier Load(ModelOptions model) =>
        ClassifierFactory.Create(model.Path, new ClassifierOptions { Engine = model.Engine, Threads = model.Threads });

    public FrameClassifier Open(ModelOptions model, SourceOptions source)
    {
        IClassifier classifier;
        try
        {
            classifier = Load(model);
        }
        catch (EdgeMobileNetException e) when (!e.Message.StartsWith("Model:", StringComparison.Ordinal))
        {
            throw new EdgeMobileNetException($"Model:Path: {e.Message}", e);
        }

        try
        {
            var labels = LoadLabels(model, classifier.Output.Classes);
            var preprocess = new PreprocessOptions { ResizeRatio = model.ResizeRatio };
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
            var frames = new FrameClassifier(classifier, labels, preprocess, view)
            {
                DecodeShortSide = view.IsIdentity ? (int)Math.Ceiling(Math.Max(input.Width, input.Height) * model.ResizeRatio) : null,
            };
            WarmUp(classifier, model.Path);
            return frames;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>The first run of an engine is slow (lazy allocation, kernel selection): pay it now, not on the first
    /// part. A model that loads but cannot run (an operator attribute the engine rejects) fails here, at start-up.</summary>
    private static void WarmUp(IClassifier classifier, string path)
    {
        classifier.InputBuffer.Clear();
        try
        {
            classifier.Run();
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new EdgeMobileNetException($"Model:Path: {path}: the model loads but fails to run on {classifier.Engine} ({Messages.OneLine(e.Message)})", e);
        }
    }

    internal static IReadOnlyList<string> LoadLabels(ModelOptions model, int classes)
    {
        if (model.LabelList.Count > 0)
        {
            return model.LabelList.Count == classes
                ? model.LabelList
                : throw new EdgeMobileNetException($"Model:LabelList: {model.LabelList.Count} labels but the model has {classes} classes");
        }

        return model.Labels.Length > 0
            ? LabelFile.Read(model.Labels, classes, "Model:Labels")
            : [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    }
}
