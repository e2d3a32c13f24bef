using EdgeMobileNet.ModelBuilder.Architectures;

namespace EdgeMobileNet.ModelBuilder;

public enum ModelPrecision
{
    Float,
    Int8,
}

/// <summary>How int8 models are expressed: QDQ (standard ops) or QOperator (QLinearConv and contrib ops).</summary>
public enum QuantFormat
{
    Qdq,
    QOperator,
}

/// <summary>NCHW as PyTorch exports; or the NHWC-input graph tf2onnx produces from Keras.</summary>
public enum ModelLayout
{
    Nchw,
    NhwcKeras,
}

/// <summary>Everything `models build` takes. Validated by <see cref="MobileNetModelBuilder.Build"/>.</summary>
public sealed record ModelBuildOptions
{
    public MobileNetArchitecture Architecture { get; init; } = MobileNetArchitecture.MobileNetV2;

    public double Width { get; init; } = 1.0;

    public int Resolution { get; init; } = 224;

    public ModelPrecision Precision { get; init; } = ModelPrecision.Float;

    /// <summary>uint8 activations (true) or int8 (false) for int8 models.</summary>
    public bool UnsignedActivations { get; init; } = true;

    public QuantFormat Format { get; init; } = QuantFormat.Qdq;

    public ModelLayout Layout { get; init; } = ModelLayout.Nchw;

    public ulong Seed { get; init; }

    public int Classes { get; init; } = 1000;

    public bool Softmax { get; init; }

    /// <summary>Folder of .npy calibration tensors; null = synthetic images.</summary>
    public string? CalibrationDirectory { get; init; }

    /// <summary>Number of synthetic calibration images.</summary>
    public int CalibrationImages { get; init; } = 16;
}

/// <summary>A built model and its cost.</summary>
public sealed record ModelBuildResult(Onnx.OnnxModel Model, long Macs, long Parameters, int CalibrationImages);
