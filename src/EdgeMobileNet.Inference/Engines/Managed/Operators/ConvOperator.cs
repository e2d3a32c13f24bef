using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>Float convolution (also Gemm/MatMul as 1x1) with folded BatchNorm, activation clamp and residual add.</summary>
internal sealed class ConvOperator : Operator
{
    private readonly IConvKernels _kernels;
    private readonly ConvShape _shape;
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly float _lo;
    private readonly float _hi;
    private readonly TensorSlot? _residual;

    public ConvOperator(
        string name,
        IConvKernels kernels,
        ConvShape shape,
        float[] packedWeights,
        float[] bias,
        float lo,
        float hi,
        TensorSlot input,
        TensorSlot? residual,
        TensorSlot output)
        : base(name, residual is null ? [input] : [input, residual], output)
    {
        _kernels = kernels;
        _shape = shape;
        _weights = packedWeights;
        _bias = bias;
        _lo = lo;
        _hi = hi;
        _residual = residual;
    }

    public override long WeightBytes => (_weights.Length + _bias.Length) * 4L;

    public override void Run(Arena arena) =>
        _kernels.ConvFloat(
            _shape,
            arena.Floats(Inputs[0]),
            _weights,
            _bias,
            _lo,
            _hi,
            _residual is null ? ReadOnlySpan<float>.Empty : arena.Floats(_residual),
            arena.Floats(Output!));
}
