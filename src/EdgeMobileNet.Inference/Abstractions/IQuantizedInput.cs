namespace EdgeMobileNet.Inference;

/// <summary>
/// An engine whose model starts with a per-tensor QuantizeLinear of the image (the usual int8 model) and can take that
/// quantised image directly: a preprocessor that knows the byte each pixel value becomes writes
/// <see cref="QuantizedInputBuffer"/> and calls <see cref="RunQuantized"/>, so neither the float image nor its
/// quantisation exists at run time. The bytes are channels-last (H x W x C interleaved, the order of an RGB24 crop),
/// stored as uint8 (an int8 model's values shifted by 128, see docs/managed-engine.md).
/// </summary>
public interface IQuantizedInput
{
    /// <summary>False when the model does not start with such a quantisation (float models, per-channel
    /// quantisation, a float input read by anything else): then use <see cref="IClassifier.InputBuffer"/>.</summary>
    bool HasQuantizedInput { get; }

    /// <summary>The model's first QuantizeLinear, exactly as the engine runs it, applied to
    /// <paramref name="values"/> (float model input values) into stored bytes; build lookup tables with it.</summary>
    void QuantizeInput(ReadOnlySpan<float> values, Span<byte> destination);

    /// <summary>The quantised image (H x W x C bytes), valid for writing until the next run.</summary>
    Span<byte> QuantizedInputBuffer { get; }

    /// <summary>Runs the model from <see cref="QuantizedInputBuffer"/> (skipping the float input stage). The returned
    /// span is valid until the next call.</summary>
    ReadOnlySpan<float> RunQuantized();
}
