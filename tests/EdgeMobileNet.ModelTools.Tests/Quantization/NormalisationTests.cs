using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelTools.Quantization;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Tests.Quantization;

/// <summary>Graph forms of other exporters: unfolded BatchNormalization, Identity/Dropout, Constant nodes.</summary>
public sealed class NormalisationTests
{
    [Fact]
    public void BatchNorm_after_conv_is_folded_and_the_float_outputs_are_kept()
    {
        var model = MobileNetModelBuilder.Build(new ModelBuildOptions { Width = 0.35, Resolution = 64, Classes = 10, CalibrationImages = 2 }).Model;

        // A torchvision-style export: BatchNormalization (with non-trivial statistics) after every Conv of the first
        // three, a Dropout before the classifier.
        var random = new Random(7);
        foreach (var conv in model.Graph.Nodes.Where(n => n.OpType == "Conv").Take(3).ToList())
        {
            var c = (int)model.Graph.InitializerMap()[conv.Inputs[1]].Dims[0];
            float[] Values(double lo, double hi) => Enumerable.Range(0, c).Select(_ => (float)(lo + (random.NextDouble() * (hi - lo)))).ToArray();
            var stem = conv.Outputs[0];
            foreach (var (name, values) in new[] { ("gamma", Values(0.5, 2)), ("beta", Values(-1, 1)), ("mean", Values(-0.5, 0.5)), ("var", Values(0.2, 3)) })
            {
                model.Graph.Initializers.Add(OnnxTensor.FromFloats($"{stem}.bn_{name}", [c], values));
            }

            var bnInput = stem + ".before_bn";
            conv.Outputs[0] = bnInput;
            model.Graph.Nodes.Insert(model.Graph.Nodes.IndexOf(conv) + 1, new OnnxNode
            {
                Name = stem + ".bn", OpType = "BatchNormalization",
                Inputs = [bnInput, $"{stem}.bn_gamma", $"{stem}.bn_beta", $"{stem}.bn_mean", $"{stem}.bn_var"],
                Outputs = [stem], Attributes = [OnnxAttribute.Float("epsilon", 1e-3f)],
            });
        }

        var gemm = model.Graph.Nodes.First(n => n.OpType == "Gemm");
        var dropped = gemm.Inputs[0] + ".dropout";
        model.Graph.Nodes.Insert(model.Graph.Nodes.IndexOf(gemm), new OnnxNode { OpType = "Dropout", Inputs = [gemm.Inputs[0]], Outputs = [dropped] });
        gemm.Inputs[0] = dropped;

        var source = QuantizableModel.From("bn.onnx", model);
        var normalised = source.FloatModel();
        Assert.DoesNotContain(normalised.Graph.Nodes, n => n.OpType is "BatchNormalization" or "Dropout");

        using var original = new OrtSession(OnnxWriter.ToBytes(model));
        using var folded = new OrtSession(OnnxWriter.ToBytes(normalised));
        var x = Inputs.Tensor(Inputs.Photos()[0], source.Input);
        var a = original.Run(x, [1, 3, 64, 64])["output"];
        var b = folded.Run(x, [1, 3, 64, 64])["output"];
        var scale = a.Max(Math.Abs);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4f * scale, $"logit {i}: {a[i]} vs {b[i]}");
        }
    }

    [Fact]
    public void An_already_quantised_model_is_refused_naming_the_file_and_node()
    {
        var model = OnnxReader.Read(EdgeMobileNet.Tests.Common.TestAssets.TorchvisionQdq);
        var e = Assert.Throws<QuantizationException>(() => QuantizableModel.From("tv.onnx", model));
        Assert.StartsWith("tv.onnx: already quantised (node ", e.Message, StringComparison.Ordinal);
    }
}
