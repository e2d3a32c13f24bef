using EdgeMobileNet.Inference.Engines.Managed.Kernels;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// One quantised convolution of a fixed shape on spans rather than slots: the ISA's prepared kernel, or the reference
/// <see cref="IConvKernels.ConvQuant"/> with its own accumulator when the ISA has none for the shape. Fused operators
/// hold one per row window; like a prepared kernel it keeps scratch, so one instance serves one thread.
/// </summary>
internal sealed class QuantConvStep
{
    private readonly IConvKernels _kernels;
    private readonly QuantConvParameters? _p;
    private readonly IQuantConvKernel? _prepared;
    private readonly int[] _accumulator;

    public QuantConvStep(IConvKernels kernels, QuantConvParameters parameters)
    {
        _kernels = kernels;
        _prepared = kernels.PrepareQuant(parameters);

        // A prepared kernel owns its packed copy: the reference arrays are only kept for the fallback.
        _p = _prepared is null ? parameters : null;
        _accumulator = _prepared is null ? new int[parameters.Shape.OutC] : [];
        Shape = parameters.Shape;
    }

    public ConvShape Shape { get; }

    public bool Prepared => _prepared is not null;

    /// <summary>Bytes this step adds to the model's weights: the prepared kernel's packing and scratch (reference
    /// arrays are shared by every window of a layer and counted once by the owner).</summary>
    public long PackedBytes => (_prepared?.PackedBytes ?? 0) + (_accumulator.Length * 4L);

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (_prepared is not null)
        {
            _prepared.Run(input, output);
            return;
        }

        var p = _p!;
        _kernels.ConvQuant(p.Shape, input, p.InputZeroPoint, p.Weights, p.Bias, p.Scales, p.OutputZeroPoint, p.Min, p.Max, _accumulator, output);
    }
}
