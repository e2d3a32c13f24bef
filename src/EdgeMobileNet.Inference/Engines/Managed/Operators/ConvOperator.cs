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
    private readonly int _mlasStrideK;
    private readonly bool _mlasBiasFirst;
    private readonly float[] _block;

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
        TensorSlot output,
        int mlasStrideK = 0,
        bool mlasBiasFirst = false)
        : base(name, residual is null ? [input] : [input, residual], output)
    {
        _mlasStrideK = mlasStrideK;
        _mlasBiasFirst = mlasBiasFirst;
        _block = new float[mlasStrideK > 0 ? shape.OutC : 0];
        _kernels = kernels;
        _shape = shape;
        _weights = packedWeights;
        _bias = bias;
        _lo = lo;
        _hi = hi;
        _residual = residual;
    }

    public override long WeightBytes => (_weights.Length + _bias.Length) * 4L;

    public override void Run(Arena arena)
    {
        if (_mlasStrideK > 0)
        {
            _kernels.PointwiseFloatMlasOrder(_shape, _mlasStrideK, _mlasBiasFirst, arena.Floats(Inputs[0]), _weights, _bias, _lo, _hi, _block, arena.Floats(Output!));
            return;
        }

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

    /// <summary>Reduction block of MLAS's SGEMM on a prepacked B (ONNX Runtime prepacks constant Gemm/MatMul weights).</summary>
    public const int MlasPackedStrideK = 256;

    /// <summary>The reduction block MLAS's SGEMM uses for N output pixels and K input channels.</summary>
    public static int MlasStrideK(int n, int k) => QuantGemmPacking.MlasStrideK(n, k);
}
