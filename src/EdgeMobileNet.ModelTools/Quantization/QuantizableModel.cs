using System.Diagnostics;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>Calibration progress: images done, total, images per second, estimated seconds left.</summary>
public readonly record struct CalibrationProgress(int Done, int Total, double Rate, double EtaSeconds);

/// <summary>
/// A float model prepared for post-training quantisation: normalised (<see cref="GraphNormalizer"/>) and planned
/// (<see cref="QdqPlan"/>). The library entry points: <see cref="Calibrate"/> collects activation statistics with the
/// managed engine (no ONNX Runtime needed), <see cref="ToInt8"/> writes the QDQ model from them.
/// </summary>
public sealed class QuantizableModel
{
    private readonly byte[] _normalised;

    private QuantizableModel(string name, OnnxModel model)
    {
        Name = name;
        GraphNormalizer.Run(model, name);
        Plan = QdqPlan.Analyse(model);
        if (Plan.Values.Count == 0)
        {
            throw new QuantizationException($"{name}: nothing to quantise (no Conv, Gemm, Add, Mul or pool on activations)");
        }

        _normalised = OnnxWriter.ToBytes(model);
        Input = ReadInput(name, model);
    }

    public string Name { get; }

    public QdqPlan Plan { get; }

    public ModelInputInfo Input { get; }

    public static QuantizableModel Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new QuantizationException($"{path}: file not found");
        }

        OnnxModel model;
        try
        {
            model = OnnxReader.Read(path);
        }
        catch (OnnxFormatException e)
        {
            throw new QuantizationException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
        }

        return From(path, model);
    }

    public static QuantizableModel From(string name, OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var quantised = model.Graph.Nodes.FirstOrDefault(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "QLinearMatMul" or "ConvInteger" or "MatMulInteger");
        if (quantised is not null)
        {
            throw new QuantizationException($"{name}: already quantised (node {quantised.DisplayName}); give the float model");
        }

        return new QuantizableModel(name, model);
    }

    /// <summary>A fresh copy of the normalised float model.</summary>
    public OnnxModel FloatModel() => OnnxReader.Read(_normalised, Name);

    /// <summary>
    /// Runs <paramref name="count"/> inputs through the float model with the managed engine and returns the statistics
    /// of every value in <see cref="QdqPlan.Values"/>. <paramref name="fill"/> writes input i (in the model's layout)
    /// into the span and returns false to skip it (an unreadable image, reported by the caller).
    /// </summary>
    public IReadOnlyDictionary<string, ActivationStatistics> Calibrate(int count, Func<int, Span<float>, bool> fill, IProgress<CalibrationProgress>? progress = null, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var tapped = FloatModel();
        var calibrated = Plan.CalibratedValues.ToList();
        foreach (var v in calibrated)
        {
            // The Identity gives the value a second consumer, so no fused operator hides it.
            var tap = v.Name + "__calibration_tap";
            tapped.Graph.Nodes.Add(new OnnxNode { Name = tap, OpType = "Identity", Inputs = [v.Name], Outputs = [tap] });
            tapped.Graph.Outputs.Add(new OnnxValueInfo { Name = tap, ElemType = OnnxDataType.Float });
        }

        var statistics = calibrated.Select(_ => new ActivationStatistics()).ToArray();
        using var recorder = ManagedValueRecorder.Load(Name, tapped, threads);
        var started = Stopwatch.GetTimestamp();
        var used = 0;
        for (var i = 0; i < count; i++)
        {
            if (fill(i, recorder.InputBuffer))
            {
                recorder.Run((index, values) => statistics[index].Add(values));
                used++;
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var rate = (i + 1) / Math.Max(seconds, 1e-9);
            progress?.Report(new CalibrationProgress(i + 1, count, rate, (count - i - 1) / rate));
        }

        if (used == 0)
        {
            throw new QuantizationException($"{Name}: no calibration input could be used");
        }

        return calibrated.Select((v, i) => (v.Name, statistics[i])).ToDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal);
    }

    /// <summary>The QDQ int8 model from calibration statistics (of <see cref="QdqPlan.CalibratedValues"/>), ranges chosen by <paramref name="method"/>.</summary>
    public OnnxModel ToInt8(IReadOnlyDictionary<string, ActivationStatistics> statistics, CalibrationMethod method, bool unsignedActivations, double percentile = 99.999)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var ranges = statistics.ToDictionary(p => p.Key, p => p.Value.Range(method, percentile), StringComparer.Ordinal);
        foreach (var v in Plan.Values.Where(v => v.SameAs is not null && ranges.ContainsKey(v.SameAs)))
        {
            ranges[v.Name] = ranges[v.SameAs!];
        }

        var model = FloatModel();

        // The plan refers to nodes by identity: make it again on this copy (the analysis is deterministic).
        QdqWriter.Apply(model, QdqPlan.Analyse(model), ranges, unsignedActivations);
        model.ProducerName = "edgemobilenet";
        model.ProducerVersion = typeof(QuantizableModel).Assembly.GetName().Version?.ToString(3) ?? "0";
        model.Metadata.RemoveAll(m => m.Key == "quantization");
        model.Metadata.Add(("quantization", $"static QDQ, int8 per-channel weights, {(unsignedActivations ? "uint8" : "int8")} activations, {MethodName(method)} calibration"));
        return model;
    }

    public static string MethodName(CalibrationMethod method) => method switch
    {
        CalibrationMethod.MinMax => "minmax",
        CalibrationMethod.Percentile => "percentile",
        _ => "mse",
    };

    private static ModelInputInfo ReadInput(string name, OnnxModel model)
    {
        var initializers = model.Graph.Initializers.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = model.Graph.Inputs.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1 || inputs[0].Dims is not { Length: 4 } d || d.Skip(1).Any(x => x.Value is not > 0))
        {
            throw new QuantizationException($"{name}: expected one image input [1,C,H,W] or [1,H,W,C] with fixed sizes");
        }

        var s = d.Select(x => (int)(x.Value ?? 1)).ToArray();
        var nhwc = s[3] is 1 or 3 && s[1] is not (1 or 3);
        return nhwc
            ? new ModelInputInfo(inputs[0].Name, TensorLayout.Nhwc, s[3], s[1], s[2], TensorElementKind.Float32)
            : new ModelInputInfo(inputs[0].Name, TensorLayout.Nchw, s[1], s[2], s[3], TensorElementKind.Float32);
    }
}
