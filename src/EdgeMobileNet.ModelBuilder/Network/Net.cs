namespace EdgeMobileNet.ModelBuilder.Network;

/// <summary>
/// A MobileNet as a list of ops over numbered values, shared by the float reference executor (calibration) and the
/// ONNX exporters. Shapes are [C,H,W] per value (batch 1 in the exported model).
/// </summary>
internal sealed class Net
{
    public Net(string architecture, int resolution)
    {
        Architecture = architecture;
        Resolution = resolution;
        Shapes.Add((3, resolution, resolution));
    }

    public string Architecture { get; }

    public int Resolution { get; }

    public List<NetOp> Ops { get; } = [];

    /// <summary>[C,H,W] of every value; index 0 is the input.</summary>
    public List<(int C, int H, int W)> Shapes { get; } = [];

    public int OutputValue => Ops[^1].Output;

    public int Classes => Ops[^1] is GemmOp g ? g.OutFeatures : throw new InvalidOperationException("net does not end in a classifier");

    public int Add(NetOp op, (int C, int H, int W) shape)
    {
        op.Output = Shapes.Count;
        Shapes.Add(shape);
        Ops.Add(op);
        return op.Output;
    }

    /// <summary>Multiply-accumulates of conv, depthwise, SE and FC layers (what the papers count).</summary>
    public long Macs()
    {
        long total = 0;
        foreach (var op in Ops)
        {
            total += op switch
            {
                ConvOp c => (long)c.OutChannels * Shapes[c.Output].H * Shapes[c.Output].W * c.InPerGroup * c.Kernel * c.Kernel,
                GemmOp g => (long)g.InFeatures * g.OutFeatures,
                _ => 0,
            };
        }

        return total;
    }

    /// <summary>Weights and biases (batch norm is folded into the biases).</summary>
    public long Parameters()
    {
        long total = 0;
        foreach (var op in Ops)
        {
            total += op switch
            {
                ConvOp c => c.Weights.LongLength + c.Bias.LongLength,
                GemmOp g => g.Weights.LongLength + g.Bias.LongLength,
                _ => 0,
            };
        }

        return total;
    }
}
