using System.Security.Cryptography;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Training;

/// <summary>How the input of the backbone's last 1x1 convolution is stored: quantised (QOperator or QDQ) or float.</summary>
/// <param name="Scale">Per-tensor scale name and value; null for a float tensor.</param>
public sealed record CutQuantization(string ScaleName, string ZeroPointName, float Scale, int ZeroPoint, bool Unsigned);

/// <summary>
/// A supported MobileNet classifier split at the input of its last pointwise convolution (MobileNetV2: block 16's
/// 320x7x7 output feeding the 320→1280 convolution). Found by walking back from the graph output: classifier
/// (Gemm / MatMul / QLinearMatMul), global pooling (its input is the feature map the classifier reads), then the 1x1
/// convolution producing that map. Everything before the cut stays frozen; the convolution's trained weights are the
/// starting point of fine-tuning.
/// </summary>
public sealed class Backbone
{
    private Backbone(string path, OnnxModel model, string sha256)
    {
        Path = path;
        Model = model;
        Sha256 = sha256;
    }

    public string Path { get; }

    public OnnxModel Model { get; }

    /// <summary>Hex sha256 of the file: part of every embedding cache key.</summary>
    public string Sha256 { get; }

    /// <summary>The tensor the last convolution reads (the cut).</summary>
    public string CutTensor { get; private set; } = "";

    /// <summary>Quantisation of <see cref="CutTensor"/> as stored (QOperator: uint8 input of QLinearConv; QDQ: the
    /// DequantizeLinear's parameters); null for a float backbone.</summary>
    public CutQuantization? CutQuant { get; private set; }

    /// <summary>True when the cut tensor is the output of a DequantizeLinear (QDQ backbone): the new head reads it as is.</summary>
    public bool CutIsDequantized { get; private set; }

    /// <summary>Channels into and out of the last convolution (MobileNetV2: 320 and 1280).</summary>
    public int InChannels { get; private set; }

    public int OutChannels { get; private set; }

    /// <summary>Spatial size of the feature map (7x7 at 224).</summary>
    public int Height { get; private set; }

    public int Width { get; private set; }

    public int Resolution { get; private set; }

    /// <summary>Float weights [out, in] and bias of the last convolution (dequantised when int8).</summary>
    public float[] ConvWeights { get; private set; } = [];

    public float[] ConvBias { get; private set; } = [];

    /// <summary>Upper clip of the convolution's activation (6 for ReLU6), or +inf.</summary>
    public float ClipMax { get; private set; } = float.PositiveInfinity;

    /// <summary>True when the backbone is int8 (QOperator or QDQ): the trained model is written int8 too.</summary>
    public bool IsQuantized => CutQuant is not null;

    public int Positions => Height * Width;

    public int CutLength => InChannels * Height * Width;

    /// <summary>Reads and analyses a backbone; a model that is not a supported MobileNet classifier is a user error
    /// naming the file and what was not found.</summary>
    public static Backbone Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"{path}: cannot read the backbone ({ex.Message})", ex);
        }

        OnnxModel model;
        try
        {
            model = OnnxReader.Read(bytes, path);
        }
        catch (FormatException ex)
        {
            throw new EdgeMobileNetException(ex.Message, ex);
        }

        var b = new Backbone(path, model, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        b.Analyse();
        return b;
    }

    private EdgeMobileNetException Bad(string what) => new($"{Path}: {what}; expected a MobileNet classifier (convolutions, global pooling, a fully connected classifier)");

    private void Analyse()
    {
        var g = Model.Graph;
        if (g.Outputs.Count == 0 || g.Inputs.Count == 0)
        {
            throw Bad("the graph declares no input or output");
        }

        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (var n in g.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                producers[o] = n;
            }
        }

        var init = g.InitializerMap();
        var input = g.Inputs.First(i => !init.ContainsKey(i.Name));
        if (input.Dims is not { Length: 4 } d || d[2].Value is not long h || d[3].Value is not long w || h != w)
        {
            throw Bad($"input '{input.Name}' is not a square NCHW image tensor");
        }

        Resolution = (int)h;

        // Walk back from the output to the global pooling, passing the classifier and shape plumbing.
        var value = g.Outputs[0].Name;
        OnnxNode? pool = null;
        var classifierSeen = false;
        for (var steps = 0; steps < 32 && pool is null; steps++)
        {
            if (!producers.TryGetValue(value, out var node))
            {
                break;
            }

            switch (node.OpType)
            {
                case "GlobalAveragePool" or "QLinearGlobalAveragePool" or "ReduceMean":
                    pool = node;
                    break;
                case "Gemm" or "MatMul" or "QLinearMatMul":
                    classifierSeen = true;
                    break;
            }

            value = FirstActivation(node, init);
        }

        if (pool is null || !classifierSeen)
        {
            throw Bad("no global pooling followed by a classifier found before the output");
        }

        // Back from the pooled map to the convolution that produced it.
        value = pool.Inputs[0];
        OnnxNode? conv = null;
        for (var steps = 0; steps < 8 && conv is null; steps++)
        {
            if (!producers.TryGetValue(value, out var node))
            {
                break;
            }

            switch (node.OpType)
            {
                case "Conv" or "QLinearConv":
                    conv = node;
                    break;
                case "Clip":
                    ClipMax = ClipUpper(node, init);
                    break;
                case "Relu" or "DequantizeLinear" or "QuantizeLinear":
                    break;
                default:
                    throw Bad($"the pooled feature map comes from {node.OpType} '{node.Name}', not a 1x1 convolution");
            }

            value = node.Inputs[0];
        }

        if (conv is null)
        {
            throw Bad("no convolution found before the global pooling");
        }

        if (conv.GetInt("group", 1) != 1 || conv.GetInts("kernel_shape") is { } k && k.Any(v => v != 1))
        {
            throw Bad($"the last convolution '{conv.Name}' is not a 1x1 convolution");
        }

        if (conv.OpType == "QLinearConv")
        {
            ReadQLinearConv(conv, init);
        }
        else
        {
            ReadConv(conv, init, producers);
        }

        Height = Width = (Resolution + 31) / 32;
    }

    private static string FirstActivation(OnnxNode node, Dictionary<string, OnnxTensor> init) =>
        node.Inputs.FirstOrDefault(i => i.Length > 0 && !init.ContainsKey(i)) ?? "";

    private static float ClipUpper(OnnxNode clip, Dictionary<string, OnnxTensor> init)
    {
        if (clip.Has("max"))
        {
            return clip.GetFloat("max", float.PositiveInfinity);
        }

        return clip.Input(2) is { Length: > 0 } m && init.TryGetValue(m, out var t) ? t.ToFloatArray()[0] : float.PositiveInfinity;
    }

    private void ReadQLinearConv(OnnxNode conv, Dictionary<string, OnnxTensor> init)
    {
        // QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B)
        CutTensor = conv.Inputs[0];
        var xs = Const(init, conv.Input(1), conv).ToFloatArray()[0];
        var xzT = Const(init, conv.Input(2), conv);
        CutQuant = new CutQuantization(conv.Input(1), conv.Input(2), xs, xzT.ToInt32Array()[0], xzT.DataType == OnnxDataType.UInt8);
        var wT = Const(init, conv.Input(3), conv);
        var ws = Const(init, conv.Input(4), conv).ToFloatArray();
        var wz = Const(init, conv.Input(5), conv).ToInt32Array();
        var q = wT.ToInt32Array();
        SetShape(wT.Dims, conv);
        ConvWeights = new float[q.Length];
        var per = InChannels;
        for (var o = 0; o < OutChannels; o++)
        {
            var s = ws.Length == 1 ? ws[0] : ws[o];
            var z = wz.Length == 1 ? wz[0] : wz[o];
            for (var i = 0; i < per; i++)
            {
                ConvWeights[(o * per) + i] = (q[(o * per) + i] - z) * s;
            }
        }

        ConvBias = new float[OutChannels];
        if (conv.Input(8) is { Length: > 0 } bName)
        {
            var bq = Const(init, bName, conv).ToInt32Array();
            for (var o = 0; o < OutChannels; o++)
            {
                ConvBias[o] = bq[o] * (xs * (ws.Length == 1 ? ws[0] : ws[o]));
            }
        }

        // The zoo folds ReLU6 into the output range: a zero point of 0 and a top at 6 or below.
        var ys = Const(init, conv.Input(6), conv).ToFloatArray()[0];
        var yz = Const(init, conv.Input(7), conv).ToInt32Array()[0];
        if (yz == 0)
        {
            ClipMax = Math.Min(6f, ys * 255f);
        }
    }

    private void ReadConv(OnnxNode conv, Dictionary<string, OnnxTensor> init, Dictionary<string, OnnxNode> producers)
    {
        CutTensor = conv.Inputs[0];
        var wDims = ConstOrDequantized(conv.Input(1), init, producers, conv, out var weights);
        SetShape(wDims, conv);
        ConvWeights = weights;
        var bias = new float[OutChannels];
        if (conv.Input(2) is { Length: > 0 } bName)
        {
            ConstOrDequantized(bName, init, producers, conv, out bias);
        }

        ConvBias = bias;
        if (producers.TryGetValue(CutTensor, out var dq) && dq.OpType == "DequantizeLinear")
        {
            var zpT = Const(init, dq.Input(2), dq);
            CutQuant = new CutQuantization(dq.Input(1), dq.Input(2), Const(init, dq.Input(1), dq).ToFloatArray()[0], zpT.ToInt32Array()[0], zpT.DataType == OnnxDataType.UInt8);
            CutIsDequantized = true;
        }

        // QDQ: ReLU6 folded into the quantised output range [0, 6] after the conv.
        if (ClipMax == float.PositiveInfinity && CutQuant is not null)
        {
            foreach (var n in Model.Graph.Nodes)
            {
                if (n.OpType == "QuantizeLinear" && n.Inputs[0] == conv.Outputs[0])
                {
                    var s = Const(init, n.Input(1), n).ToFloatArray()[0];
                    var zT = Const(init, n.Input(2), n);
                    var z = zT.ToInt32Array()[0];
                    var top = ((zT.DataType == OnnxDataType.UInt8 ? 255 : 127) - z) * s;
                    var bottom = ((zT.DataType == OnnxDataType.UInt8 ? 0 : -128) - z) * s;
                    if (Math.Abs(bottom) < s)
                    {
                        ClipMax = Math.Min(6f, top);
                    }
                }
            }
        }
    }

    private long[] ConstOrDequantized(string name, Dictionary<string, OnnxTensor> init, Dictionary<string, OnnxNode> producers, OnnxNode user, out float[] values)
    {
        if (init.TryGetValue(name, out var t))
        {
            values = t.DataType == OnnxDataType.Float ? t.ToFloatArray() : Array.ConvertAll(t.ToInt32Array(), v => (float)v);
            return t.Dims;
        }

        if (producers.TryGetValue(name, out var dq) && dq.OpType == "DequantizeLinear")
        {
            var q = Const(init, dq.Input(0), dq);
            var s = Const(init, dq.Input(1), dq).ToFloatArray();
            var z = dq.Input(2) is { Length: > 0 } zn ? Const(init, zn, dq).ToInt32Array() : new int[s.Length];
            var raw = q.ToInt32Array();
            values = new float[raw.Length];
            var per = raw.Length / s.Length;
            for (var i = 0; i < raw.Length; i++)
            {
                var c = s.Length == 1 ? 0 : i / per;
                values[i] = (raw[i] - z[c]) * s[c];
            }

            return q.Dims;
        }

        throw Bad($"'{user.Name}' reads '{name}', which is neither a constant nor a dequantised constant");
    }

    private void SetShape(long[] wDims, OnnxNode conv)
    {
        if (wDims.Length != 4 || wDims[2] != 1 || wDims[3] != 1)
        {
            throw Bad($"the last convolution '{conv.Name}' has weights of shape [{string.Join(",", wDims)}], not [out,in,1,1]");
        }

        OutChannels = (int)wDims[0];
        InChannels = (int)wDims[1];
    }

    private OnnxTensor Const(Dictionary<string, OnnxTensor> init, string name, OnnxNode user) =>
        init.TryGetValue(name, out var t) ? t : throw Bad($"'{user.Name}' input '{name}' is not a constant");

    /// <summary>The nodes needed to compute <paramref name="tensor"/>, in file order.</summary>
    internal List<OnnxNode> NodesUpTo(string tensor)
    {
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (var n in Model.Graph.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                producers[o] = n;
            }
        }

        var needed = new HashSet<OnnxNode>();
        var stack = new Stack<string>([tensor]);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (producers.TryGetValue(v, out var n) && needed.Add(n))
            {
                foreach (var i in n.Inputs)
                {
                    if (i.Length > 0)
                    {
                        stack.Push(i);
                    }
                }
            }
        }

        return Model.Graph.Nodes.Where(needed.Contains).ToList();
    }

    /// <summary>A copy of the graph up to the cut with the initializers those nodes use.</summary>
    internal OnnxGraph FrozenPart(string graphName)
    {
        var nodes = NodesUpTo(CutTensor);
        var used = new HashSet<string>(nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        var input = Model.Graph.Inputs.First(i => !Model.Graph.InitializerMap().ContainsKey(i.Name));
        return new OnnxGraph
        {
            Name = graphName,
            Nodes = [.. nodes],
            Initializers = [.. Model.Graph.Initializers.Where(t => used.Contains(t.Name))],
            Inputs = [OnnxValueInfo.Tensor(input.Name, OnnxDataType.Float, 1, 3, Resolution, Resolution)],
        };
    }

    /// <summary>The frozen part with one float output, [1, C*H*W] (channel-major): what the embedder runs.</summary>
    internal OnnxModel CutModel()
    {
        var g = FrozenPart("cut");
        var value = CutTensor;
        if (CutQuant is not null && !CutIsDequantized)
        {
            g.Nodes.Add(new OnnxNode { Name = "cut_dequantize", OpType = "DequantizeLinear", Inputs = [value, CutQuant.ScaleName, CutQuant.ZeroPointName], Outputs = ["cut_float"] });
            foreach (var t in Model.Graph.Initializers.Where(t => t.Name == CutQuant.ScaleName || t.Name == CutQuant.ZeroPointName))
            {
                if (!g.Initializers.Contains(t))
                {
                    g.Initializers.Add(t);
                }
            }

            value = "cut_float";
        }

        g.Nodes.Add(new OnnxNode { Name = "cut_flatten", OpType = "Flatten", Inputs = [value], Outputs = ["features"], Attributes = [OnnxAttribute.Int("axis", 1)] });
        g.Outputs.Add(OnnxValueInfo.Tensor("features", OnnxDataType.Float, 1, CutLength));
        return new OnnxModel
        {
            IrVersion = Model.IrVersion,
            ProducerName = "edgemobilenet-train",
            Opsets = [.. Model.Opsets],
            Graph = g,
        };
    }
}
