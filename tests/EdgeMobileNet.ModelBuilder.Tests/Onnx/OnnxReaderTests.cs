using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Tests.Onnx;

public sealed class OnnxReaderTests
{
    [Fact]
    public void Small_model_round_trips_with_every_storage_form()
    {
        var model = OnnxReader.Read(OnnxWriter.ToBytes(OnnxTestModels.Small()), "small");
        OnnxStructure.AssertEqual(OnnxTestModels.Small(), model);

        var inits = model.Graph.InitializerMap();
        Assert.Equal(1.07f, inits["w"].ToFloatArray()[107], 6);
        Assert.Equal([0.5f, -1, 2, 0], inits["b"].ToFloatArray());
        Assert.Equal([-5, 7], inits["q"].ToInt32Array());
        Assert.Equal([(sbyte)-5, (sbyte)7], inits["q"].ToInt8Array());
        Assert.Equal([1L, -1], inits["shape"].ToInt64Array());
        Assert.Equal("N", model.Graph.Inputs[0].Dims![0].Param);

        var conv = model.Graph.Nodes[0];
        Assert.Equal([1L, 1, 1, 1], conv.GetInts("pads")!);
        Assert.Null(conv.GetInts("dilations"));
        Assert.Equal(1, conv.GetInt("group", 0));
        Assert.Equal(7, conv.GetInt("missing", 7));
        Assert.Equal("NOTSET", conv.GetString("auto_pad"));
        Assert.Equal(6f, model.Graph.Nodes[1].GetTensor("value")!.ToFloatArray().Single());
        Assert.Equal(1f / 6, model.Graph.Nodes[2].GetFloat("alpha", 0));
    }

    [Fact]
    public void Attribute_of_the_wrong_type_names_node_and_attribute()
    {
        var conv = OnnxTestModels.Small().Graph.Nodes[0];
        var e = Assert.Throws<OnnxFormatException>(() => conv.GetInt("pads", 0));
        Assert.Equal("node 'conv' (Conv): attribute 'pads' is Ints, expected Int", e.Message);
    }

    [Fact]
    public void Tensor_data_not_matching_its_shape_names_the_attribute()
    {
        var model = OnnxTestModels.Small();
        model.Graph.Nodes[1].Attributes[0].T!.RawData = [1, 2, 3];
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(OnnxWriter.ToBytes(model), "m.onnx"));
        Assert.Equal("m.onnx: graph.node[1].attribute 'value'.t: tensor 'kv': raw_data has 3 bytes, shape [] of Float needs 4", e.Message);
    }

    [Fact]
    public void Negative_dimension_is_rejected()
    {
        var model = OnnxTestModels.Small();
        model.Graph.Initializers[1].Dims = [-4];
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(OnnxWriter.ToBytes(model), "m.onnx"));
        Assert.Equal("m.onnx: graph.initializer[1]: tensor 'b' has negative dimension -4", e.Message);
    }

    [Fact]
    public void Oversized_shape_is_rejected_before_allocation()
    {
        var model = OnnxTestModels.Small();
        model.Graph.Initializers[1].Dims = [1L << 40, 1L << 40];
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(OnnxWriter.ToBytes(model), "m.onnx"));
        Assert.Contains("tensor 'b' has an oversized shape", e.Message);
    }

    [Fact]
    public void Hostile_length_is_rejected_without_allocating_it()
    {
        // Field 7 (graph), length-delimited, claiming ~34 GB.
        byte[] data = [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(data, "x.onnx"));
        Assert.Equal("x.onnx: model: field 7 claims 34359738367 bytes but only 0 remain (truncated or corrupt)", e.Message);
    }

    [Fact]
    public void External_data_is_reported_clearly()
    {
        var model = OnnxTestModels.Small();
        var bytes = OnnxWriter.ToBytes(model).ToList();
        // Append a graph holding one initializer with data_location = EXTERNAL (field 14 = 1).
        byte[] tensor = [0x10, 0x01, 0x42, 0x01, (byte)'e', 0x70, 0x01];
        byte[] graph = [0x2A, (byte)tensor.Length, .. tensor];
        bytes.AddRange([0x3A, (byte)graph.Length, .. graph]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(bytes.ToArray(), "ext.onnx"));
        Assert.Contains("ext.onnx: graph.initializer[0]: tensor 'e' keeps its data in an external file", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { }, "empty.onnx: file is empty")]
    [InlineData(new byte[] { 0x08 }, "empty.onnx: model: truncated varint")]
    [InlineData(new byte[] { 0x08, 0x07 }, "empty.onnx: model: no graph (not an ONNX model?)")]
    [InlineData(new byte[] { 0x0B }, "empty.onnx: model: field 1 uses unsupported wire type 3")]
    [InlineData(new byte[] { 0x3D, 1, 2, 3, 4 }, "empty.onnx: model: field 7 has wire type 5, expected 2")]
    public void Malformed_bytes_get_one_line_errors(byte[] data, string message)
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read(data, "empty.onnx"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Text_file_is_not_an_onnx_model()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Read("hello, this is not a model\n"u8.ToArray(), "t.txt"));
        Assert.StartsWith("t.txt: ", e.Message);
    }
}
