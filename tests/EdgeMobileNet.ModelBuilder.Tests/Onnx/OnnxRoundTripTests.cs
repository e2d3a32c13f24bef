using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeMobileNet.ModelBuilder.Tests.Onnx;

public sealed class OnnxRoundTripTests
{
    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Read_write_read_is_structurally_equal_and_stable(string name)
    {
        var path = SharedModels.Path(name);
        var first = OnnxReader.Read(path);
        var bytes = OnnxWriter.ToBytes(first);
        var second = OnnxReader.Read(bytes, "rewritten " + name);

        OnnxStructure.AssertEqual(first, second);
        Assert.Equal(bytes, OnnxWriter.ToBytes(second));
    }

    [Fact]
    public void Reads_the_facts_the_manifest_states_about_the_zoo_model()
    {
        var model = OnnxReader.Read(TestAssets.ZooInt8);

        // MANIFEST.md: ir_version 7, producer onnx.quantize 0.1.0, opset ai.onnx 12, 73 nodes with 52 QLinearConv.
        Assert.Equal(7, model.IrVersion);
        Assert.Equal("onnx.quantize", model.ProducerName);
        Assert.Equal(12, model.OpsetVersion(""));
        Assert.Equal(73, model.Graph.Nodes.Count);
        Assert.Equal(52, model.Graph.Nodes.Count(n => n.OpType == "QLinearConv"));
        Assert.Equal(11, model.Graph.Nodes.Count(n => n.OpType == "QLinearAdd" && n.Domain == "com.microsoft"));
        var input = Assert.Single(model.Graph.Inputs, i => i.Name == "input");
        Assert.Equal(OnnxDataType.Float, input.ElemType);
        Assert.Equal("batch_size,3,224,224", string.Join(",", input.Dims!.Select(d => d.ToString())));

        // Weights are int8 per output channel with zero point 0 (MANIFEST); read them through the accessors.
        var conv = model.Graph.Nodes.First(n => n.OpType == "QLinearConv");
        var inits = model.Graph.InitializerMap();
        var w = inits[conv.Inputs[3]];
        Assert.Equal(OnnxDataType.Int8, w.DataType);
        Assert.Equal(w.ElementCount, w.ToInt8Array().Length);
        Assert.All(inits[conv.Inputs[5]].ToInt32Array(), zp => Assert.Equal(0, zp));
        Assert.Equal(w.Dims[0], inits[conv.Inputs[4]].ToFloatArray().Length);
    }

    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Onnx_Runtime_gives_identical_outputs_for_the_rewritten_file(string name)
    {
        var path = SharedModels.Path(name);
        var rewritten = OnnxWriter.ToBytes(OnnxReader.Read(path));
        var input = SharedModels.ReadNpyFloats(TestAssets.Require("models/reference/inputs/cat_input_f32_1x3x224x224.npy"));

        var expected = Run(File.ReadAllBytes(path), input);
        var actual = Run(rewritten, input);

        Assert.Equal(1000, expected.Length);
        Assert.Equal(expected, actual);
    }

    private static float[] Run(byte[] model, float[] input)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var inputName = session.InputMetadata.Keys.Single();
        var tensor = new DenseTensor<float>(input, [1, 3, 224, 224]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
