using System.Security.Cryptography;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelTools.Info;

/// <summary>One graph input or output.</summary>
public sealed record TensorSummary(string Name, string Type, string Shape);

/// <summary>Whether an engine loads the model, and why not.</summary>
public sealed record EngineSupport(string Engine, bool CanRun, string? Reason);

/// <summary>Everything `models info` reports about a model file.</summary>
public sealed record ModelSummary(
    string Path,
    long Bytes,
    string Sha256,
    long IrVersion,
    string Producer,
    IReadOnlyList<(string Domain, long Version)> Opsets,
    IReadOnlyList<TensorSummary> Inputs,
    IReadOnlyList<TensorSummary> Outputs,
    int Nodes,
    IReadOnlyList<(string Op, int Count)> Ops,
    long Macs,
    int NodesWithoutShape,
    long Parameters,
    string Quantization,
    IReadOnlyList<(string Key, string Value)> Metadata,
    string Labels,
    string Preprocessing,
    IReadOnlyList<EngineSupport> Engines);

/// <summary>Reads a model file and describes it: signature, opsets, ops, cost, quantisation, metadata, engines.</summary>
public static class ModelInspector
{
    private static readonly HashSet<string> WeightOps = ["Conv", "ConvInteger", "QLinearConv", "Gemm", "MatMul", "MatMulInteger", "QLinearMatMul"];

    public static ModelSummary Inspect(string path, bool tryEngines = true)
    {
        if (!File.Exists(path))
        {
            throw new EdgeMobileNetException($"{path}: file not found");
        }

        OnnxModel model;
        try
        {
            model = OnnxReader.Read(path);
        }
        catch (OnnxFormatException e)
        {
            throw new EdgeMobileNetException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
        }

        var g = model.Graph;
        var initializers = g.InitializerMap();
        var inputs = g.Inputs.Where(i => !initializers.ContainsKey(i.Name)).Select(Describe).ToList();
        var outputs = g.Outputs.Select(Describe).ToList();
        var ops = g.Nodes.GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}")
            .Select(x => (x.Key, x.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal).ToList();
        var (macs, unknown) = CostModel.Macs(model);
        var engines = tryEngines ? Engines(path) : [];
        return new ModelSummary(
            path,
            new FileInfo(path).Length,
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
            model.IrVersion,
            $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            model.Opsets.Select(o => (o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o.Version)).ToList(),
            inputs,
            outputs,
            g.Nodes.Count,
            ops,
            macs,
            unknown,
            Parameters(model),
            Quantization(model),
            model.Metadata,
            Labels(model),
            Preprocessing(model, inputs),
            engines);
    }

    private static TensorSummary Describe(OnnxValueInfo v) =>
        new(v.Name, v.OpaqueType is not null ? "non-tensor" : v.ElemType.ToString().ToLowerInvariant(),
            v.Dims is null ? "?" : $"[{string.Join(",", v.Dims.Select(d => d.ToString()))}]");

    /// <summary>Weights and biases of the layers with weights (through DequantizeLinear), plus constant bias vectors
    /// added after a MatMul: the count papers give (batch norm folded).</summary>
    private static long Parameters(OnnxModel model)
    {
        var g = model.Graph;
        var init = g.InitializerMap();
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (var n in g.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                producers[o] = n;
            }
        }

        var counted = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        void Count(string name)
        {
            // Through DequantizeLinear (QDQ) to the stored integer tensor.
            if (producers.TryGetValue(name, out var p) && p.OpType == "DequantizeLinear")
            {
                name = p.Input(0);
            }

            if (init.TryGetValue(name, out var t) && counted.Add(name))
            {
                total += t.ElementCount;
            }
        }

        foreach (var n in g.Nodes)
        {
            var slots = n.OpType switch
            {
                "Conv" or "Gemm" => [1, 2],
                "MatMul" or "ConvInteger" or "MatMulInteger" => [1],
                "QLinearConv" => [3, 8],
                "QLinearMatMul" => [3],
                _ => Array.Empty<int>(),
            };
            foreach (var s in slots)
            {
                Count(n.Input(s));
            }

            // The bias of a MatMul classifier: Add / QLinearAdd with a constant vector operand after a weight op.
            if (n.OpType is "Add" or "QLinearAdd" && n.Inputs.Any(i => producers.TryGetValue(i, out var p) && WeightOps.Contains(p.OpType)))
            {
                foreach (var i in n.OpType == "Add" ? [n.Input(0), n.Input(1)] : new[] { n.Input(0), n.Input(3) })
                {
                    if (init.TryGetValue(i, out var t) && t.ElementCount > 1)
                    {
                        Count(i);
                    }
                }
            }
        }

        return total;
    }

    private static string Quantization(OnnxModel model)
    {
        var g = model.Graph;
        var init = g.InitializerMap();
        var ops = g.Nodes.Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
        if (ops.Contains("DynamicQuantizeLinear") || ops.Contains("ConvInteger") || ops.Contains("MatMulInteger"))
        {
            return "dynamic int8 (activations quantised at run time)";
        }

        string Type(OnnxTensor? t) => t?.DataType switch { OnnxDataType.UInt8 => "uint8", OnnxDataType.Int8 => "int8", { } other => other.ToString().ToLowerInvariant(), null => "uint8" };
        OnnxTensor? At(OnnxNode n, int i) => init.TryGetValue(n.Input(i), out var t) ? t : null;

        if (g.Nodes.FirstOrDefault(n => n.OpType == "QLinearConv") is { } qc)
        {
            var perChannel = g.Nodes.Where(n => n.OpType == "QLinearConv").Any(n => At(n, 4)?.ElementCount > 1);
            return $"QOperator: QLinearConv and friends, {Type(At(qc, 2))} activations, {Type(At(qc, 3))} weights {(perChannel ? "per output channel" : "per tensor")}";
        }

        var q = g.Nodes.Where(n => n.OpType == "QuantizeLinear").ToList();
        var dq = g.Nodes.Where(n => n.OpType == "DequantizeLinear").ToList();
        if (dq.Count > 0)
        {
            var weightDq = dq.Where(n => At(n, 0) is { DataType: OnnxDataType.Int8 or OnnxDataType.UInt8, Dims.Length: >= 2 }).ToList();
            var perChannel = weightDq.Any(n => At(n, 1)?.ElementCount > 1);
            var activation = q.Count > 0 ? Type(At(q[0], 2)) : "none";
            var weights = weightDq.Count > 0 ? Type(At(weightDq[0], 0)) : "float";
            return $"QDQ: {q.Count} QuantizeLinear, {dq.Count} DequantizeLinear, {activation} activations, {weights} weights {(perChannel ? "per output channel" : "per tensor")}";
        }

        return "float (not quantised)";
    }

    private static string Labels(OnnxModel model)
    {
        var value = Meta(model, "labels") ?? Meta(model, "classes") ?? Meta(model, "class_names");
        if (value is null)
        {
            return "none in the metadata (give --labels to classify)";
        }

        var names = value.Split(',', StringSplitOptions.TrimEntries);
        return names.Length <= 8 ? $"{names.Length}: {string.Join(", ", names)}" : $"{names.Length}: {string.Join(", ", names.Take(6))}, ...";
    }

    private static string Preprocessing(OnnxModel model, IReadOnlyList<TensorSummary> inputs)
    {
        var layout = model.Graph.Inputs.FirstOrDefault(i => inputs.Any(x => x.Name == i.Name))?.Dims is { Length: 4 } d
            && d[3].Value is 1 or 3 && d[1].Value is not (1 or 3) ? "NHWC" : "NCHW";
        var mean = Meta(model, "mean");
        var std = Meta(model, "std");
        return mean is not null || std is not null
            ? $"{layout}, mean {mean ?? "?"}, std {std ?? "?"} (from the metadata)"
            : $"{layout}; no mean/std in the metadata: ImageNet mean 0.485,0.456,0.406 and std 0.229,0.224,0.225 on [0,1] RGB assumed (override with --mean/--std)";
    }

    private static string? Meta(OnnxModel model, string key) =>
        model.Metadata.Where(m => string.Equals(m.Key, key, StringComparison.OrdinalIgnoreCase)).Select(m => m.Value).FirstOrDefault();

    private static List<EngineSupport> Engines(string path)
    {
        var result = new List<EngineSupport>();
        foreach (var engine in new[] { "ort", "managed" })
        {
            try
            {
                using var c = ClassifierFactory.Create(path, new ClassifierOptions { Engine = engine });
                result.Add(new EngineSupport(engine, true, null));
            }
            catch (EdgeMobileNetException e)
            {
                var reason = e is ModelLoadException m ? m.Reason : e.Message;
                result.Add(new EngineSupport(engine, false, reason));
            }
        }

        return result;
    }
}
