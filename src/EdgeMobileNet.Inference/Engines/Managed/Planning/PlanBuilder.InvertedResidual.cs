using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Operators;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>
/// Inverted-residual blocks in row strips, a pass over the lowered operators: an integer depthwise convolution with
/// the 1x1 expansion that only feeds it and/or the 1x1 projection that only reads it becomes one
/// <see cref="InvertedResidualOperator"/>, so the expanded tensor (and the depthwise output, when projected) is never
/// whole in the arena. A depthwise output with other readers (a squeeze-excite block's pool and scale) stays whole and
/// only the expansion is fused into it.
/// </summary>
internal sealed partial class PlanBuilder
{
    // The reference-layout parameters of each integer convolution emitted, for fusion passes.
    private readonly Dictionary<QConvOperator, QuantConvParameters> _quantConvs = [];

    /// <summary>
    /// Rows per strip for a block whose depthwise convolution is <paramref name="d"/>: as many as keep the expanded
    /// rows of one strip near <paramref name="targetBytes"/>, at least one. A block whose whole expanded tensor is
    /// within four targets runs as one strip: each distinct strip shape is one more prepared kernel with its own
    /// scratch, which on the small late blocks costs more than the activation bytes it would save, and those blocks
    /// are far below the peak anyway. Speed does not depend on the choice measurably (docs/BENCHMARKS.md).
    /// </summary>
    internal static int StripRowsFor(in ConvShape d, int targetBytes)
    {
        if ((long)d.InH * d.InW * d.InC <= 4L * targetBytes)
        {
            return d.OutH;
        }

        var expandedRowsPerOutputRow = (long)d.InW * d.InC * d.StrideH;
        return (int)Math.Clamp(targetBytes / Math.Max(1, expandedRowsPerOutputRow), 1, d.OutH);
    }

    /// <summary>Replaces every fusable chain in <see cref="_ops"/>; returns how many blocks were fused.</summary>
    private int FuseInvertedResiduals()
    {
        var readers = new Dictionary<TensorSlot, int>();
        foreach (var s in _ops.SelectMany(o => o.Inputs))
        {
            readers[s] = readers.GetValueOrDefault(s) + 1;
        }

        var fused = 0;
        for (var i = 0; i < _ops.Count; i++)
        {
            if (_ops[i] is not QConvOperator dwOp || !_quantConvs.TryGetValue(dwOp, out var dw) || !dw.Shape.IsDepthwise || !dwOp.Inputs[0].ChannelsLast)
            {
                continue;
            }

            var expand = PointwiseStep(i - 1, out var expandOp) is { } e && expandOp!.Output == dwOp.Inputs[0] && readers[expandOp.Output!] == 1 ? e : null;
            var project = PointwiseStep(i + 1, out var projectOp) is { } p && projectOp!.Inputs[0] == dwOp.Output && readers[dwOp.Output!] == 1 ? p : null;
            if (expand is null && project is null)
            {
                continue;
            }

            var first = expand is null ? i : i - 1;
            var count = 1 + (expand is null ? 0 : 1) + (project is null ? 0 : 1);
            var chain = _ops.GetRange(first, count);
            var block = new InvertedResidualOperator(
                string.Join(" > ", chain.Select(o => o.Name)),
                _kernels,
                expand,
                dw,
                project,
                _options.StripRows ?? StripRowsFor(dw.Shape, _options.StripTargetBytes),
                Math.Max(_options.Lanes, _pool?.Threads ?? 1),
                chain[0].Inputs[0],
                chain[^1].Output!,
                _pool);
            _ops.RemoveRange(first, count);
            _ops.Insert(first, block);
            i = first;
            fused++;
        }

        return fused;
    }

    /// <summary>The parameters of operator <paramref name="index"/> when it is an integer 1x1 convolution over NHWC.</summary>
    private QuantConvParameters? PointwiseStep(int index, out QConvOperator? op)
    {
        op = index >= 0 && index < _ops.Count ? _ops[index] as QConvOperator : null;
        return op is not null && op.Inputs[0].ChannelsLast && op.Output!.ChannelsLast && _quantConvs.TryGetValue(op, out var p) && QuantGemmPacking.IsPointwise(p.Shape)
            ? p
            : null;
    }
}
