namespace EdgeMobileNet.ModelBuilder.Network;

/// <summary>
/// One operation of a <see cref="Net"/>. Values are numbered; value 0 is the network input. Every op produces one new
/// value, so a net is a list in topological order.
/// </summary>
internal abstract class NetOp
{
    public int Output { get; set; }

    /// <summary>A readable name used for ONNX node and tensor names (e.g. "block3.expand").</summary>
    public string Name { get; set; } = "";

    public abstract IEnumerable<int> Inputs { get; }
}

/// <summary>
/// Convolution with bias (batch norm folded in) followed by an activation. Padding is symmetric k/2 unless
/// <see cref="Pads"/> gives explicit (top, left, bottom, right) padding.
/// </summary>
internal sealed class ConvOp : NetOp
{
    public int Input { get; set; }

    public int InChannels { get; set; }

    public int OutChannels { get; set; }

    public int Kernel { get; set; }

    public int Stride { get; set; } = 1;

    public int Groups { get; set; } = 1;

    public int[]? Pads { get; set; }

    public Activation Activation { get; set; }

    /// <summary>[OutChannels, InChannels / Groups, Kernel, Kernel].</summary>
    public float[] Weights { get; set; } = [];

    public float[] Bias { get; set; } = [];

    /// <summary>Calibrate: rescale and shift output channels to mean 0, std 1 on the calibration data.</summary>
    public bool Normalize { get; set; } = true;

    public override IEnumerable<int> Inputs => [Input];

    public int[] EffectivePads => Pads ?? [Kernel / 2, Kernel / 2, Kernel / 2, Kernel / 2];

    public int InPerGroup => InChannels / Groups;

    public bool IsDepthwise => Groups > 1 && Groups == InChannels && Groups == OutChannels;
}

/// <summary>Elementwise sum of two same-shaped values (residual connection).</summary>
internal sealed class AddOp : NetOp
{
    public int A { get; set; }

    public int B { get; set; }

    public override IEnumerable<int> Inputs => [A, B];
}

/// <summary>x [C,H,W] times a per-channel gate [C,1,1] (squeeze-and-excitation).</summary>
internal sealed class ScaleOp : NetOp
{
    public int X { get; set; }

    public int Gate { get; set; }

    public override IEnumerable<int> Inputs => [X, Gate];
}

/// <summary>Global average pooling to [C,1,1].</summary>
internal sealed class PoolOp : NetOp
{
    public int Input { get; set; }

    public override IEnumerable<int> Inputs => [Input];
}

/// <summary>Fully connected classifier on a pooled [C,1,1] value (Flatten + Gemm in ONNX).</summary>
internal sealed class GemmOp : NetOp
{
    public int Input { get; set; }

    public int InFeatures { get; set; }

    public int OutFeatures { get; set; }

    /// <summary>[OutFeatures, InFeatures] (Gemm with transB = 1).</summary>
    public float[] Weights { get; set; } = [];

    public float[] Bias { get; set; } = [];

    /// <summary>Calibrate: standardise each logit on the calibration data, then scale by <see cref="LogitScale"/>.</summary>
    public bool Normalize { get; set; } = true;

    public float LogitScale { get; set; } = 4f;

    public override IEnumerable<int> Inputs => [Input];
}
