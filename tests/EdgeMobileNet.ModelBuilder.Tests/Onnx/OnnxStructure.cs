using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Tests.Onnx;

/// <summary>Deep structural comparison of two object models, failing with the path of the first difference.</summary>
internal static class OnnxStructure
{
    public static void AssertEqual(OnnxModel expected, OnnxModel actual)
    {
        Assert.Equal(expected.IrVersion, actual.IrVersion);
        Assert.Equal(expected.ProducerName, actual.ProducerName);
        Assert.Equal(expected.ProducerVersion, actual.ProducerVersion);
        Assert.Equal(expected.Domain, actual.Domain);
        Assert.Equal(expected.ModelVersion, actual.ModelVersion);
        Assert.Equal(expected.Opsets, actual.Opsets);
        Assert.Equal(expected.Metadata, actual.Metadata);
        var g1 = expected.Graph;
        var g2 = actual.Graph;
        Assert.Equal(g1.Name, g2.Name);
        Assert.Equal(g1.Nodes.Count, g2.Nodes.Count);
        for (var i = 0; i < g1.Nodes.Count; i++)
        {
            var (a, b) = (g1.Nodes[i], g2.Nodes[i]);
            var where = $"node[{i}]";
            Assert.True(a.Name == b.Name && a.OpType == b.OpType && a.Domain == b.Domain, where);
            Assert.True(a.Inputs.SequenceEqual(b.Inputs) && a.Outputs.SequenceEqual(b.Outputs), where);
            Assert.Equal(a.Attributes.Count, b.Attributes.Count);
            for (var j = 0; j < a.Attributes.Count; j++)
            {
                AttributeEqual(a.Attributes[j], b.Attributes[j], $"{where}.attribute[{j}]");
            }
        }

        Assert.Equal(g1.Initializers.Count, g2.Initializers.Count);
        for (var i = 0; i < g1.Initializers.Count; i++)
        {
            TensorEqual(g1.Initializers[i], g2.Initializers[i], $"initializer[{i}]");
        }

        ValueInfosEqual(g1.Inputs, g2.Inputs, "input");
        ValueInfosEqual(g1.Outputs, g2.Outputs, "output");
        ValueInfosEqual(g1.ValueInfo, g2.ValueInfo, "value_info");
    }

    private static void AttributeEqual(OnnxAttribute a, OnnxAttribute b, string where)
    {
        Assert.True(a.Name == b.Name && a.Type == b.Type, where);
        Assert.True(BitConverter.SingleToInt32Bits(a.F) == BitConverter.SingleToInt32Bits(b.F) && a.I == b.I, where);
        Assert.True(a.S.AsSpan().SequenceEqual(b.S), where);
        Assert.True(a.Floats.SequenceEqual(b.Floats) && a.Ints.SequenceEqual(b.Ints), where);
        Assert.True(a.Strings.Count == b.Strings.Count && a.Strings.Zip(b.Strings).All(p => p.First.SequenceEqual(p.Second)), where);
        Assert.True((a.Graph is null) == (b.Graph is null) && (a.Graph is null || a.Graph.SequenceEqual(b.Graph!)), where);
        Assert.True((a.T is null) == (b.T is null), where);
        if (a.T is not null)
        {
            TensorEqual(a.T, b.T!, where + ".t");
        }

        Assert.Equal(a.Tensors.Count, b.Tensors.Count);
        for (var i = 0; i < a.Tensors.Count; i++)
        {
            TensorEqual(a.Tensors[i], b.Tensors[i], $"{where}.tensors[{i}]");
        }
    }

    private static void TensorEqual(OnnxTensor a, OnnxTensor b, string where)
    {
        Assert.True(a.Name == b.Name && a.DataType == b.DataType && a.Dims.SequenceEqual(b.Dims), where);
        Assert.True(Same(a.RawData, b.RawData), where + " raw_data");
        Assert.True(Same(a.FloatData, b.FloatData), where + " float_data");
        Assert.True(Same(a.Int32Data, b.Int32Data), where + " int32_data");
        Assert.True(Same(a.Int64Data, b.Int64Data), where + " int64_data");
        Assert.True(Same(a.DoubleData, b.DoubleData), where + " double_data");
    }

    private static bool Same<T>(T[]? x, T[]? y) => (x is null && y is null) || (x is not null && y is not null && x.SequenceEqual(y));

    private static void ValueInfosEqual(List<OnnxValueInfo> a, List<OnnxValueInfo> b, string where)
    {
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].ToString(), b[i].ToString());
            Assert.True(Same(a[i].Dims, b[i].Dims), $"{where}[{i}]");
        }
    }
}
