namespace EdgeMobileNet.Inference;

/// <summary>
/// One loaded image classifier. Buffers are allocated once at load: callers write the model input into
/// <see cref="InputBuffer"/> and call <see cref="Run"/>, which returns the raw output vector. No tensor is allocated
/// per run (an engine may allocate a few hundred bytes of bookkeeping, which `bench` reports), so a station can
/// classify at frame rate without feeding the garbage collector.
/// Implementations are not thread-safe: one caller at a time.
/// </summary>
public interface IClassifier : IDisposable
{
    /// <summary>Engine identifier as used on the command line ("ort", "managed").</summary>
    string Engine { get; }

    /// <summary>Intra-op threads the engine was created with.</summary>
    int Threads { get; }

    ModelInputInfo Input { get; }

    ModelOutputInfo Output { get; }

    /// <summary>Preallocated input tensor in the model's own layout (<see cref="ModelInputInfo.Layout"/>), float
    /// values. For a uint8-input model the engine converts (values are expected in 0..255).</summary>
    Span<float> InputBuffer { get; }

    /// <summary>Runs the model on <see cref="InputBuffer"/>. The returned span is valid until the next call.</summary>
    ReadOnlySpan<float> Run();
}
