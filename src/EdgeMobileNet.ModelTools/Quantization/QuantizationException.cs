using EdgeMobileNet.Inference;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>A model or calibration input the quantiser cannot use; the message names the file, node or value.</summary>
public sealed class QuantizationException : EdgeMobileNetException
{
    public QuantizationException(string message) : base(message) { }
}
