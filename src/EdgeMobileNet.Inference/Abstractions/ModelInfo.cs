namespace EdgeMobileNet.Inference;

public enum TensorLayout
{
    /// <summary>[N, C, H, W], PyTorch exports and the ONNX Model Zoo.</summary>
    Nchw,

    /// <summary>[N, H, W, C], Keras/TensorFlow exports.</summary>
    Nhwc,
}

public enum TensorElementKind
{
    Float32,
    UInt8,
}

/// <summary>The image tensor a model expects (batch is always 1 here).</summary>
public sealed record ModelInputInfo(
    string Name,
    TensorLayout Layout,
    int Channels,
    int Height,
    int Width,
    TensorElementKind ElementKind)
{
    public int ElementCount => Channels * Height * Width;

    /// <summary>Shape with batch 1 in the model's layout.</summary>
    public int[] Shape => Layout == TensorLayout.Nchw ? [1, Channels, Height, Width] : [1, Height, Width, Channels];
}

/// <summary>The class vector a model produces.</summary>
/// <param name="IsProbability">True when the output already is a distribution (ends in Softmax); else logits.</param>
public sealed record ModelOutputInfo(string Name, int Classes, bool IsProbability);
