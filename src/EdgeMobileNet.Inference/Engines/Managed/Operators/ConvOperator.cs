using System.Numerics.Tensors;
using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Float convolution (also Gemm/MatMul as 1x1) with folded BatchNorm, activation clamp and residual add. With a
/// worker pool the output is split at load into one part per thread (<see cref="ConvPart"/>); every part keeps the
/// whole layer's summation order, so the result does not depend on the split.
/// </summary>
internal sealed class ConvOperator : PartitionedOperator
{
    private readonly IConvKernels _kernels;
    private readonly ConvShape _shape;
    private readonly float[][] _weights;
    private readonly float[][] _bias;
    private readonly float _lo;
    private readonly float _hi;
    private readonly TensorSlot? _residual;
    private readonly int _mlasStrideK;
    private readonly bool _mlasBiasFirst;
    private readonly int _mlasConvStrideK;
    private readonly ConvPart[] _parts;
    private readonly float[][] _blocks;

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
        bool mlasBiasFirst = false,
        WorkerPool? pool = null,
        bool mlasConvOrder = false)
        : base(name, residual is null ? [input] : [input, residual], output)
    {
        _kernels = kernels;
        _shape = shape;
        _lo = lo;
        _hi = hi;
        _residual = residual;
        _parts = ConvPart.Split(shape, pool?.Threads ?? 1);
        UsePool(pool);

        // Row and pixel parts share the layer's arrays; a channel part holds its own slice.
        _weights = _parts.Select(p => p.IsChannelSlice(shape) ? p.SliceWeights(packedWeights, shape) : packedWeights).ToArray();
        _bias = _parts.Select(p => p.IsChannelSlice(shape) ? p.SliceChannels(bias) : bias).ToArray();

        // MLAS's reduction block depends on the pixel count, so a pointwise layer split by pixels must keep the whole
        // layer's block, given explicitly (ConvFloat would derive it from the part's smaller shape).
        _mlasStrideK = mlasStrideK > 0 || _parts.Length == 1 || !QuantGemmPacking.IsPointwise(shape)
            ? mlasStrideK
            : MlasStrideK(shape.OutH * shape.OutW, shape.InC);
        _mlasBiasFirst = mlasBiasFirst;

        // A non-pointwise conv in MLAS's im2col + SGEMM order: its reduction block, too, is the whole layer's.
        _mlasConvStrideK = mlasConvOrder && !QuantGemmPacking.IsPointwise(shape) ? MlasConvOrder.StrideK(shape) : 0;
        _blocks = new float[_parts.Length][];
        for (var i = 0; i < _parts.Length; i++)
        {
            // Scratch per part: parts run concurrently.
            _blocks[i] = new float[_mlasStrideK > 0 ? _parts[i].Shape.OutC : 0];
        }
    }

    /// <summary>Parts the output is split into (1: runs on the calling thread).</summary>
    public int Parts => _parts.Length;

    public override long WeightBytes => (_weights.Distinct().Sum(w => (long)w.Length) + _bias.Distinct().Sum(b => (long)b.Length)) * 4L;

    protected override int PartCount => _parts.Length;

    protected override void RunPart(Arena arena, int part)
    {
        var p = _parts[part];
        var input = arena.Floats(Inputs[0]).Slice(p.InputStart, p.InputLength);
        var output = arena.Floats(Output!).Slice(p.OutputStart, p.OutputLength);
        var residual = _residual is null ? ReadOnlySpan<float>.Empty : arena.Floats(_residual).Slice(p.OutputStart, p.OutputLength);
        if (_mlasStrideK > 0)
        {
            _kernels.PointwiseFloatMlasOrder(p.Shape, _mlasStrideK, _mlasBiasFirst, input, _weights[part], _bias[part], _lo, _hi, _blocks[part], output);
            if (!residual.IsEmpty)
            {
                // The epilogue adds the residual after the clamp, one rounding per element: the same bits as fused.
                TensorPrimitives.Add(output, residual, output);
            }

            return;
        }

        if (_mlasConvStrideK > 0)
        {
            MlasConvOrder.Conv(p.Shape, _mlasConvStrideK, input, _weights[part], _bias[part], _lo, _hi, output);
            if (!residual.IsEmpty)
            {
                TensorPrimitives.Add(output, residual, output);
            }

            return;
        }

        _kernels.ConvFloat(p.Shape, input, _weights[part], _bias[part], _lo, _hi, residual, output);
    }

    /// <summary>Reduction block of MLAS's SGEMM on a prepacked B (ONNX Runtime prepacks constant Gemm/MatMul weights).</summary>
    public const int MlasPackedStrideK = 256;

    /// <summary>The reduction block MLAS's SGEMM uses for N output pixels and K input channels.</summary>
    public static int MlasStrideK(int n, int k) => QuantGemmPacking.MlasStrideK(n, k);
}
