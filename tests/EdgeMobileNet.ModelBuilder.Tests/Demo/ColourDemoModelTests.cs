using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.ModelBuilder.Tests.Builder;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelBuilder.Tests.Demo;

public sealed class ColourDemoModelTests
{
    private const int Scenes = 200;

    [Fact]
    public void Classifies_every_random_conveyor_scene_by_its_dominant_colour()
    {
        var dir = TestAssets.NewTempDir();
        var path = Path.Combine(dir, "colour-demo.onnx");
        ColourDemoModel.Write(path);

        using var ort = new OrtRunner(File.ReadAllBytes(path));
        Assert.Equal([1, 3, ColourDemoModel.Resolution, ColourDemoModel.Resolution], ort.InputShape);
        Assert.Equal([1, ColourDemoPalette.Labels.Count], ort.OutputShape);

        var random = new Random(2026);
        var wrong = new List<string>();
        var perLabel = ColourDemoPalette.Labels.ToDictionary(l => l, _ => 0);
        for (var i = 0; i < Scenes; i++)
        {
            var (rgb, label, coverage) = ConveyorSceneRenderer.Render(ColourDemoModel.Resolution, random);
            var logits = ort.Run(ConveyorSceneRenderer.ToModelInput(rgb, ColourDemoModel.Resolution));
            var predicted = ColourDemoPalette.Labels[Logits.ArgMax(logits)];
            perLabel[label]++;
            if (predicted != label)
            {
                wrong.Add($"scene {i}: {label} ({coverage:P0}) predicted {predicted} [{string.Join(", ", logits.Select(l => l.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}]");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"accuracy {Scenes - wrong.Count}/{Scenes}; scenes per label: {string.Join(", ", perLabel.Select(p => $"{p.Key} {p.Value}"))}");
        Assert.All(perLabel.Values, n => Assert.True(n >= 10, "every label must be exercised"));
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Writes_labels_beside_the_model_and_an_int8_qdq_graph()
    {
        var dir = TestAssets.NewTempDir();
        var path = Path.Combine(dir, "demo.onnx");
        ColourDemoModel.Write(path);

        Assert.Equal(ColourDemoPalette.Labels, File.ReadAllLines(Path.Combine(dir, "demo.labels.txt")));
        var model = OnnxReader.Read(path);
        var ops = model.Graph.Nodes.Select(n => n.OpType).ToHashSet();
        Assert.Contains("QuantizeLinear", ops);
        Assert.Contains("DequantizeLinear", ops);
        Assert.Equal(52, model.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(10, model.Graph.Nodes.Count(n => n.OpType == "Add"));
        Assert.DoesNotContain("Clip", ops);
    }

    [Fact]
    public void Empty_belt_is_empty_and_a_full_frame_of_each_colour_is_that_colour()
    {
        using var ort = new OrtRunner(OnnxWriter.ToBytes(ColourDemoModel.Build()));
        var r = ColourDemoModel.Resolution;
        foreach (var (label, cr, cg, cb) in ColourDemoPalette.Parts.Prepend(ColourDemoPalette.Belt))
        {
            var rgb = new byte[r * r * 3];
            for (var i = 0; i < r * r; i++)
            {
                (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = (cr, cg, cb);
            }

            var logits = ort.Run(ConveyorSceneRenderer.ToModelInput(rgb, r));
            Assert.Equal(label, ColourDemoPalette.Labels[Logits.ArgMax(logits)]);
        }
    }
}
