namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// One quantised convolution prepared at load by an ISA-specific implementation: weights packed in its own layout,
/// padded bias and scales, and its scratch. The operator keeps it and calls <see cref="Run"/> per inference; results
/// equal <see cref="IConvKernels.ConvQuant"/> of the scalar reference bit for bit.
/// </summary>
internal interface IQuantConvKernel
{
    /// <summary>Bytes held by packed weights, bias, scales and scratch (reported as the model's weight memory).</summary>
    long PackedBytes { get; }

    void Run(ReadOnlySpan<byte> input, Span<byte> output);
}
