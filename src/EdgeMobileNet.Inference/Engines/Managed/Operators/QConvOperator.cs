using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Integer convolution (QLinearConv, fused DQ-Conv-Q, QLinearMatMul, QGemm) with requantised output. With a worker
/// pool the output is split at load into one part per thread (<see cref="ConvPart"/>), each with its own prepared
/// kernel and scratch, so the parts share nothing writable; integer results do not depend on the split.
/// </summary>
internal sealed class QConvOperator : PartitionedOperator
{
    private readonly IConvKernels _kernels;
    private readonly QuantConvParameters?[] _reference;
    private readonly bool _channelParts;
    private readonly ConvPart[] _parts;
    private readonly IQuantConvKernel?[] _prepared;
    private readonly int[][] _accumulators;

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
        TensorSlot output,
        WorkerPool? pool = null)
        : base(name, [input], output)
    {
        _kernels = kernels;
        var parameters = new QuantConvParameters(shape, packedWeights, bias, scales, inputZeroPoint, outputZeroPoint, min, max);
        _parts = ConvPart.Split(shape, pool?.Threads ?? 1);
        UsePool(pool);
        _prepared = new IQuantConvKernel?[_parts.Length];
        _reference = new QuantConvParameters?[_parts.Length];
        _accumulators = new int[_parts.Length][];
        for (var i = 0; i < _parts.Length; i++)
        {
            var part = _parts[i];
            var q = part.IsChannelSlice(shape)
                ? parameters with { Shape = part.Shape, Weights = part.SliceWeights(packedWeights, shape), Bias = part.SliceChannels(bias), Scales = part.SliceChannels(scales) }
                : parameters with { Shape = part.Shape };

            // Row and pixel parts share the packed weights (QuantGemmPacking.PackShared) but not their scratch. A
            // prepared kernel owns its packed copy; the reference-layout arrays are only kept for the fallback.
            _prepared[i] = kernels.PrepareQuant(q);
            _reference[i] = _prepared[i] is null ? q : null;
            _accumulators[i] = _prepared[i] is null ? new int[part.Shape.OutC] : [];
        }

        _channelParts = _parts[0].IsChannelSlice(shape);
    }

    /// <summary>Parts the output is split into (1: runs on the calling thread).</summary>
    public int Parts => _parts.Length;

    // Row and pixel parts share the packed weights, so one part's figure stands for all; channel parts hold a slice each.
    public override long WeightBytes => _channelParts ? Enumerable.Range(0, _parts.Length).Sum(PartBytes) : PartBytes(0);

    protected override int PartCount => _parts.Length;

    protected override void RunPart(Arena arena, int part)
    {
        var p = _parts[part];
        var input = arena.Bytes(Inputs[0]).Slice(p.InputStart, p.InputLength);
        var output = arena.Bytes(Output!).Slice(p.OutputStart, p.OutputLength);
        if (_prepared[part] is { } prepared)
        {
            prepared.Run(input, output);
            return;
        }

        var q = _reference[part]!;
        _kernels.ConvQuant(p.Shape, input, q.InputZeroPoint, q.Weights, q.Bias, q.Scales, q.OutputZeroPoint, q.Min, q.Max, _accumulators[part], output);
    }

    private long PartBytes(int part) => _reference[part] is { } r
        ? (r.Weights.Length + r.Bias.Length + r.Scales.Length) * 4L
        : _prepared[part]!.PackedBytes;
}
