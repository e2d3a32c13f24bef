using EdgeMobileNet.ModelTools.Quantization;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelTools.Tests.Quantization;

/// <summary>
/// The shared float MobileNetV2 (trained weights) quantised from real dataset images, checked against the float model
/// on real photos and run by both engines. One calibration for the class.
/// </summary>
public sealed class SharedModelQuantizationTests : IClassFixture<SharedModelQuantizationTests.Quantised>
{
    private readonly Quantised _q;

    public SharedModelQuantizationTests(Quantised q) => _q = q;

    public sealed class Quantised
    {
        private readonly Lazy<(string Float, string Int8, OnnxModel Model, QuantizableModel Source)> _value = new(Create);

        public (string Float, string Int8, OnnxModel Model, QuantizableModel Source) Value => _value.Value;

        private static (string, string, OnnxModel, QuantizableModel) Create()
        {
            var path = TestAssets.DerivedFloat;
            var source = QuantizableModel.Load(path);
            var images = Inputs.Hymenoptera(24);
            var stats = source.Calibrate(images.Count, (i, input) =>
            {
                Inputs.Tensor(images[i], source.Input).CopyTo(input);
                return true;
            });
            var model = source.ToInt8(stats, CalibrationMethod.Percentile, unsignedActivations: true);
            return (path, Inputs.Write(model, "v2-int8.onnx"), model, source);
        }
    }

    [Fact]
    public void The_int8_model_is_standard_qdq_with_int8_per_channel_weights_and_no_float_activation_ops_left()
    {
        var model = OnnxReader.Read(_q.Value.Int8);
        Assert.All(model.Graph.Nodes, n => Assert.Equal("", n.Domain));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Clip" or "Relu" or "BatchNormalization" or "MatMul" or "Shape" or "Reshape");
        var init = model.Graph.InitializerMap();
        var producers = model.Graph.Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var weighted = model.Graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm").ToList();
        Assert.Equal(53, weighted.Count);
        foreach (var node in weighted)
        {
            var x = producers[node.Inputs[0]];
            Assert.True(x.OpType == "DequantizeLinear" || x.OpType == "Flatten", $"{node.Name}: activation from {x.OpType}");
            var w = producers[node.Inputs[1]];
            Assert.Equal("DequantizeLinear", w.OpType);
            Assert.Equal(0, w.GetInt("axis", -1));
            Assert.Equal(OnnxDataType.Int8, init[w.Inputs[0]].DataType);
            var channels = init[w.Inputs[0]].Dims[0];
            Assert.Equal(channels, init[w.Inputs[1]].ElementCount);
            Assert.All(init[w.Inputs[2]].ToInt32Array(), z => Assert.Equal(0, z));
            Assert.Contains(init[w.Inputs[0]].ToInt8Array(), v => v is 127 or -127);
            var b = producers[node.Inputs[2]];
            Assert.Equal(OnnxDataType.Int32, init[b.Inputs[0]].DataType);
        }

        // Activations: uint8 everywhere; ReLU6 outputs start at zero point 0 and never reach past 6.
        var q = model.Graph.Nodes.Where(n => n.OpType == "QuantizeLinear").ToList();
        Assert.Equal(_q.Value.Source.Plan.Values.Count, q.Count);
        Assert.All(q, n => Assert.Equal(OnnxDataType.UInt8, init[n.Inputs[2]].DataType));
        Assert.Contains(q, n => init[n.Inputs[2]].AsBytes()[0] == 0 && init[n.Inputs[1]].ToFloatArray()[0] * 255 <= 6.0001f);
        Assert.Equal("input", model.Graph.Inputs.Single().Name);
        Assert.Equal("output", model.Graph.Outputs.Single().Name);
        Assert.Contains(model.Metadata, m => m.Key == "quantization" && m.Value.Contains("percentile", StringComparison.Ordinal));
    }

    [Fact]
    public void Both_engines_give_bit_identical_int8_logits_on_the_shared_photos()
    {
        var input = _q.Value.Source.Input;
        foreach (var photo in Inputs.Photos())
        {
            var x = Inputs.Tensor(photo, input);
            var ort = Inputs.Run(_q.Value.Int8, "ort", x);
            var managed = Inputs.Run(_q.Value.Int8, "managed", x);
            Assert.True(ort.AsSpan().SequenceEqual(managed), $"{Path.GetFileName(photo)}: engines differ");
        }
    }

    [Fact]
    public void The_int8_model_follows_the_float_model_on_real_images()
    {
        using var reference = Inference.ClassifierFactory.Create(_q.Value.Float, new Inference.ClassifierOptions { Engine = "ort" });
        using var candidate = Inference.ClassifierFactory.Create(_q.Value.Int8, new Inference.ClassifierOptions { Engine = "ort" });
        var photos = Agreement.Measure(reference, candidate, Inputs.Photos(), Vision.PreprocessOptions.ImageNet);
        Assert.Equal(Inputs.Photos().Count, photos.Images);
        Assert.True(photos.Top1Agree >= photos.Images - 1, $"photos: {photos}");

        // Held-out dataset images (the calibration took 24 spread over the folder; these are 40 others).
        var all = ImageSet.List(TestAssets.Require("datasets/hymenoptera"), "test");
        var calibration = Inputs.Hymenoptera(24).ToHashSet();
        var heldOut = ImageSet.Spread(all.Where(f => !calibration.Contains(f)).ToList(), 40);
        var r = Agreement.Measure(reference, candidate, heldOut, Vision.PreprocessOptions.ImageNet);
        Assert.Equal(40, r.Images);
        Assert.True(r.Top1Percent >= 85, $"hymenoptera: {r}");
        Assert.True(r.MeanAbsLogitError < 0.05 * r.MeanLogitSpread, $"hymenoptera: {r}");
    }

    [Fact]
    public void Normalisation_keeps_the_float_model_s_outputs()
    {
        // BatchNorm-free, but MatMul + Add became Gemm and the Shape/Gather/Concat/Reshape head became Flatten.
        var normalised = _q.Value.Source.FloatModel();
        Assert.DoesNotContain(normalised.Graph.Nodes, n => n.OpType is "MatMul" or "Reshape" or "Shape");
        Assert.Contains(normalised.Graph.Nodes, n => n.OpType == "Gemm");
        using var original = new OrtSession(File.ReadAllBytes(_q.Value.Float));
        using var rewritten = new OrtSession(OnnxWriter.ToBytes(normalised));
        var x = Inputs.Tensor(Inputs.Photos()[0], _q.Value.Source.Input);
        var a = original.Run(x, [1, 3, 224, 224])["output"];
        var b = rewritten.Run(x, [1, 3, 224, 224])["output"];
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4f * (1 + Math.Abs(a[i])), $"logit {i}: {a[i]} vs {b[i]}");
        }
    }

    [Fact]
    public void The_managed_recorder_sees_the_same_intermediate_values_as_onnx_runtime()
    {
        var source = _q.Value.Source;
        var calibrated = source.Plan.CalibratedValues.ToList();
        var picks = new[] { calibrated[1].Name, calibrated[20].Name, calibrated[^2].Name };
        var model = source.FloatModel();
        foreach (var p in picks)
        {
            model.Graph.Nodes.Add(new OnnxNode { OpType = "Identity", Inputs = [p], Outputs = [p + "_tap"] });
            model.Graph.Outputs.Add(new OnnxValueInfo { Name = p + "_tap", ElemType = OnnxDataType.Float });
        }

        var x = Inputs.Tensor(Inputs.Photos()[1], source.Input);
        using var ort = new OrtSession(OnnxWriter.ToBytes(model));
        var expected = ort.Run(x, [1, 3, 224, 224], [.. picks.Select(p => p + "_tap")]);
        using var recorder = Inference.Engines.Managed.ManagedValueRecorder.Load("tapped", model);
        x.CopyTo(recorder.InputBuffer);
        var seen = new Dictionary<string, (double Sum, float Min, float Max, int N)>();
        recorder.Run((i, values) =>
        {
            double sum = 0;
            var (min, max) = (float.MaxValue, float.MinValue);
            foreach (var v in values)
            {
                sum += v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            seen[recorder.Values[i]] = (sum, min, max, values.Length);
        });
        foreach (var p in picks)
        {
            var e = expected[p + "_tap"];
            var s = seen[p + "_tap"];
            Assert.Equal(e.Length, s.N);
            Assert.Equal(e.Min(), s.Min, 1e-3f * Math.Max(1, Math.Abs(e.Min())));
            Assert.Equal(e.Max(), s.Max, 1e-3f * Math.Max(1, Math.Abs(e.Max())));
            Assert.Equal(e.Sum(v => (double)v), s.Sum, 1e-3 * Math.Max(1, e.Sum(v => Math.Abs((double)v))));
        }
    }
}
