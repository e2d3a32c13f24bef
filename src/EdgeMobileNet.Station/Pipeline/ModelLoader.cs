using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Opens the configured model and its labels. Replaceable in the container (e.g. to share a loaded model).</summary>
internal class ModelLoader
{
    public virtual IClassifier Load(ModelSection model) =>
        ClassifierFactory.Create(model.Path, new ClassifierOptions { Engine = model.Engine, Threads = model.Threads });

    public FrameClassifier Open(ModelSection model)
    {
        var classifier = Load(model);
        try
        {
            var labels = LoadLabels(model, classifier.Output.Classes);
            return new FrameClassifier(classifier, labels, new PreprocessOptions { ResizeRatio = model.ResizeRatio });
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    internal static IReadOnlyList<string> LoadLabels(ModelSection model, int classes)
    {
        IReadOnlyList<string> labels;
        string key;
        if (model.LabelList.Count > 0)
        {
            (labels, key) = (model.LabelList, "Model:LabelList");
        }
        else if (model.Labels.Length > 0)
        {
            labels = [.. File.ReadAllLines(model.Labels).Where(l => l.Length > 0)];
            key = "Model:Labels";
        }
        else
        {
            return [.. Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }

        return labels.Count == classes
            ? labels
            : throw new EdgeMobileNetException($"{key}: {labels.Count} labels but the model has {classes} classes");
    }
}
