using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>Integer convolution (QLinearConv, fused DQ-Conv-Q, QLinearMatMul, QGemm) with requantised output.</summary>
internal sealed class QConvOperator : Operator
{
    private readonly IConvKernels _kernels;
    private readonly ConvShape _shape;
    private readonly int[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scales;
    private readonly int _inputZeroPoint;
    private readonly int _outputZeroPoint;
    private readonly int _min;
    private readonly int _max;
    private readonly int[] _accumulator;
    private readonly IQuantConvKernel? _prepared;

    public QConvOperator(
        string name,
        IConvKernels kernels,
        ConvShape shape,
        int[] packedWeights,
        int[] bias,
        float[] scales,
        int inputZeroPoint,
        int outputZeroPoint,
        int min,
        int max,
        TensorSlot input,
        TensorSlot output)
        : base(name, [input], output)
    {
        _kernels = kernels;
        _shape = shape;
        _inputZeroPoint = inputZeroPoint;
        _outputZeroPoint = outputZeroPoint;
        _min = min;
        _max = max;
        _prepared = kernels.PrepareQuant(new QuantConvParameters(shape, packedWeights, bias, scales, inputZeroPoint, outputZeroPoint, min, max));

        // A prepared kernel owns its packed copy; the reference-layout arrays are only kept for the fallback.
        _weights = _prepared is null ? packedWeights : [];
        _bias = _prepared is null ? bias : [];
        _scales = _prepared is null ? scales : [];
        _accumulator = _prepared is null ? new int[shape.OutC] : [];
    }

    public override long WeightBytes => ((_weights.Length + _bias.Length + _scales.Length) * 4L) + (_prepared?.PackedBytes ?? 0);

    public override void Run(Arena arena)
    {
        if (_prepared is not null)
        {
            _prepared.Run(arena.Bytes(Inputs[0]), arena.Bytes(Output!));
            return;
        }

        _kernels.ConvQuant(
            _shape,
            arena.Bytes(Inputs[0]),
            _inputZeroPoint,
            _weights,
            _bias,
            _scales,
            _outputZeroPoint,
            _min,
            _max,
            _accumulator,
            arena.Bytes(Output!));
    }
}
