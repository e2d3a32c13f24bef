using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Inference.Tests.Managed.Operators;

/// <summary>Builds small ONNX graphs in code (one image input, one output) to exercise single operators.</summary>
internal sealed class TinyModel
{
    private readonly OnnxModel _model = new();
    private readonly Random _rng;
    private int _counter;

    public TinyModel(long[] inputShape, int opset = 13, int seed = 1)
    {
        InputShape = inputShape;
        _rng = new Random(seed);
        _model.IrVersion = 8;
        _model.Opsets.Add(new OnnxOpset("", opset));
        _model.Opsets.Add(new OnnxOpset("com.microsoft", 1));
        _model.Graph.Name = "tiny";
        _model.Graph.Inputs.Add(OnnxValueInfo.Tensor("x", OnnxDataType.Float, inputShape));
    }

    public long[] InputShape { get; }

    public OnnxModel Model => _model;

    public string Floats(long[] dims, float scale = 1f, float offset = 0f)
    {
        var n = (int)dims.Aggregate(1L, (a, b) => a * b);
        return Init(OnnxTensor.FromFloats(NewName("f"), dims, Enumerable.Range(0, n).Select(_ => offset + (scale * ((_rng.NextSingle() * 2) - 1))).ToArray()));
    }

    public string Scalar(float v) => Init(OnnxTensor.FromFloats(NewName("s"), [], [v]));

    public string FloatVector(params float[] v) => Init(OnnxTensor.FromFloats(NewName("v"), [v.Length], v));

    public string Int64s(params long[] v) => Init(OnnxTensor.FromInt64(NewName("i"), [v.Length], v));

    public string Int8s(long[] dims, int lo = -127, int hi = 127)
    {
        var n = (int)dims.Aggregate(1L, (a, b) => a * b);
        return Init(OnnxTensor.FromInt8(NewName("q"), dims, Enumerable.Range(0, n).Select(_ => (sbyte)_rng.Next(lo, hi + 1)).ToArray()));
    }

    public string UInt8s(long[] dims)
    {
        var n = (int)dims.Aggregate(1L, (a, b) => a * b);
        return Init(OnnxTensor.FromUInt8(NewName("u"), dims, Enumerable.Range(0, n).Select(_ => (byte)_rng.Next(256)).ToArray()));
    }

    public string Int32s(long[] dims, int range)
    {
        var n = (int)dims.Aggregate(1L, (a, b) => a * b);
        return Init(OnnxTensor.FromInt32(NewName("b"), dims, Enumerable.Range(0, n).Select(_ => _rng.Next(-range, range)).ToArray()));
    }

    public string ZeroPoint(bool signed, int value) =>
        signed ? Init(OnnxTensor.ScalarInt8(NewName("zp"), (sbyte)value)) : Init(OnnxTensor.ScalarUInt8(NewName("zp"), (byte)value));

    public string Init(OnnxTensor t)
    {
        _model.Graph.Initializers.Add(t);
        return t.Name;
    }

    /// <summary>Adds a node and returns its (first) output name.</summary>
    public string Node(string op, string[] inputs, params OnnxAttribute[] attributes) => NodeIn("", op, inputs, attributes);

    public string NodeIn(string domain, string op, string[] inputs, params OnnxAttribute[] attributes)
    {
        var output = NewName(op);
        _model.Graph.Nodes.Add(new OnnxNode { Name = output, OpType = op, Domain = domain, Inputs = [.. inputs], Outputs = [output], Attributes = [.. attributes] });
        return output;
    }

    /// <summary>Marks the output and writes the model to a temp file.</summary>
    public string Save(string output)
    {
        _model.Graph.Outputs.Add(new OnnxValueInfo { Name = output, ElemType = OnnxDataType.Float });
        var path = Path.Combine(TestAssets.NewTempDir(), "tiny.onnx");
        OnnxWriter.Write(_model, path);
        return path;
    }

    public float[] RandomInput(int seed)
    {
        var rng = new Random(seed);
        var n = (int)InputShape.Aggregate(1L, (a, b) => a * b);
        return Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 4) - 2).ToArray();
    }

    private string NewName(string prefix) => $"{prefix}_{_counter++}";
}
