using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Tests.Onnx;

/// <summary>Small hand-built models covering every attribute kind and tensor storage form.</summary>
internal static class OnnxTestModels
{
    public static OnnxModel Small()
    {
        var graph = new OnnxGraph { Name = "small" };
        graph.Inputs.Add(new OnnxValueInfo { Name = "x", ElemType = OnnxDataType.Float, Dims = [OnnxDim.Symbolic("N"), OnnxDim.Fixed(3), OnnxDim.Fixed(8), OnnxDim.Fixed(8)] });
        graph.Outputs.Add(OnnxValueInfo.Tensor("y", OnnxDataType.Float, 1, 4, 4, 4));
        graph.Initializers.Add(OnnxTensor.FromFloats("w", [4, 3, 3, 3], Enumerable.Range(0, 108).Select(i => i * 0.01f).ToArray()));
        graph.Initializers.Add(new OnnxTensor { Name = "b", DataType = OnnxDataType.Float, Dims = [4], FloatData = [0.5f, -1, 2, 0] });
        graph.Initializers.Add(new OnnxTensor { Name = "q", DataType = OnnxDataType.Int8, Dims = [2], Int32Data = [-5, 7] });
        graph.Initializers.Add(new OnnxTensor { Name = "shape", DataType = OnnxDataType.Int64, Dims = [2], Int64Data = [1, -1] });
        graph.Nodes.Add(new OnnxNode
        {
            Name = "conv",
            OpType = "Conv",
            Inputs = ["x", "w", "b"],
            Outputs = ["c"],
            Attributes =
            [
                OnnxAttribute.IntList("pads", 1, 1, 1, 1),
                OnnxAttribute.IntList("strides", 2, 2),
                OnnxAttribute.Int("group", 1),
                OnnxAttribute.String("auto_pad", "NOTSET"),
            ],
        });
        graph.Nodes.Add(new OnnxNode
        {
            OpType = "Constant",
            Outputs = ["k"],
            Attributes = [OnnxAttribute.TensorValue("value", OnnxTensor.ScalarFloat("kv", 6f))],
        });
        graph.Nodes.Add(new OnnxNode
        {
            Name = "hs",
            OpType = "HardSigmoid",
            Inputs = ["c"],
            Outputs = ["y"],
            Attributes = [OnnxAttribute.Float("alpha", 1f / 6), OnnxAttribute.Float("beta", 0.5f), OnnxAttribute.FloatList("unused", 1, 2)],
        });
        return new OnnxModel
        {
            IrVersion = 8,
            ProducerName = "tests",
            ProducerVersion = "1",
            Opsets = [new OnnxOpset("", 17)],
            Graph = graph,
            Metadata = [("k", "v")],
        };
    }
}
