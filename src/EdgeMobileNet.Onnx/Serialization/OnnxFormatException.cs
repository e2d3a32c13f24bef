namespace EdgeMobileNet.Onnx;

/// <summary>
/// A malformed or unsupported ONNX file. The message names the file, the element being read (for example
/// "graph.node[12].attribute 'pads'") and the reason, on one line.
/// </summary>
public sealed class OnnxFormatException : FormatException
{
    public OnnxFormatException(string message) : base(message) { }

    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}
