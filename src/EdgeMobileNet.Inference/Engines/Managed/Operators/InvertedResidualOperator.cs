using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// An inverted-residual block computed in row strips (MobileNetV2, section 5): [1x1 expand] -> depthwise -> [1x1
/// project], all integer, so the expanded tensor and the depthwise output are never whole in memory. For each strip of
/// output rows the expanded rows its depthwise window needs go into a small buffer (rows shared with the previous
/// window are moved to the buffer's top, not recomputed), the depthwise runs on the buffer as a window of the full
/// convolution (<see cref="ConvShape.Window"/>), and the projection writes those rows straight into the block output.
/// Without a projection (a squeeze-excite block, whose scale needs the mean of the whole depthwise output) the
/// depthwise rows go to the full depthwise output instead. Every step is the same kernel with the same parameters on
/// the same inputs as the unfused plan, so results are byte-identical to it.
/// <para>
/// Output rows are split into lanes: contiguous row ranges with their own buffers and kernels (kernels keep scratch),
/// each starting without a halo, so lanes are independent and can run on different threads.
/// </para>
/// </summary>
internal sealed class InvertedResidualOperator : PartitionedOperator
{
    private readonly Lane[] _lanes;
    private readonly long _weightBytes;

    public InvertedResidualOperator(
        string name,
        IConvKernels kernels,
        QuantConvParameters? expand,
        QuantConvParameters depthwise,
        QuantConvParameters? project,
        int stripRows,
        int lanes,
        TensorSlot input,
        TensorSlot output,
        WorkerPool? pool = null)
        : base(name, [input], output)
    {
        var d = depthwise.Shape;
        if (!d.IsDepthwise || (expand is null && project is null) || stripRows < 1 || lanes < 1)
        {
            throw new ArgumentException($"{name}: not a fusable inverted-residual chain");
        }

        if (expand is { } e && (!QuantGemmPacking.IsPointwise(e.Shape) || e.Shape.OutH != d.InH || e.Shape.OutW != d.InW || e.Shape.OutC != d.InC))
        {
            throw new ArgumentException($"{name}: expansion does not feed the depthwise convolution");
        }

        if (project is { } p && (!QuantGemmPacking.IsPointwise(p.Shape) || p.Shape.InH != d.OutH || p.Shape.InW != d.OutW || p.Shape.InC != d.OutC))
        {
            throw new ArgumentException($"{name}: depthwise convolution does not feed the projection");
        }

        Expand = expand?.Shape;
        Depthwise = depthwise.Shape;
        Project = project?.Shape;
        StripRows = stripRows;
        lanes = Math.Min(lanes, d.OutH);
        _lanes = new Lane[lanes];
        for (var l = 0; l < lanes; l++)
        {
            var first = d.OutH * l / lanes;
            _lanes[l] = new Lane($"{name}#{l}", kernels, expand, depthwise, project, first, (d.OutH * (l + 1) / lanes) - first, stripRows);
        }

        Scratch = _lanes.SelectMany(l => l.Buffers).ToArray();
        _weightBytes = _lanes.Sum(l => l.PackedBytes);
        UsePool(pool);
    }

    /// <summary>The shapes of the fused layers (the parameters themselves live in the prepared steps).</summary>
    public ConvShape? Expand { get; }

    public ConvShape Depthwise { get; }

    public ConvShape? Project { get; }

    public int StripRows { get; }

    /// <summary>Number of independent row ranges, one part each (<see cref="RunPart"/>).</summary>
    public int Lanes => _lanes.Length;

    /// <summary>The strip buffers of every lane (arena slots alive only while this operator runs).</summary>
    public override TensorSlot[] Scratch { get; }

    public override long WeightBytes => _weightBytes;

    // Lanes are independent: one part each on the worker pool.
    protected override int PartCount => _lanes.Length;

    /// <summary>Computes lane <paramref name="part"/>'s output rows; distinct lanes touch disjoint memory.</summary>
    protected override void RunPart(Arena arena, int part)
    {
        var ln = _lanes[part];
        var input = arena.Bytes(Inputs[0]);
        var output = arena.Bytes(Output!);
        var expanded = ln.Expanded is null ? default : arena.Bytes(ln.Expanded);
        var depthwise = ln.DepthwiseRows is null ? default : arena.Bytes(ln.DepthwiseRows);
        foreach (var s in ln.Strips)
        {
            ReadOnlySpan<byte> dwInput;
            if (ln.Expanded is not null)
            {
                if (s.HaloBytes > 0)
                {
                    // Overlapping copy to the top: Span.CopyTo has memmove semantics.
                    expanded.Slice(s.HaloFrom, s.HaloBytes).CopyTo(expanded);
                }

                s.Expand?.Run(input.Slice(s.ExpandInput, s.ExpandInputBytes), expanded.Slice(s.HaloBytes, s.ExpandOutputBytes));
                dwInput = expanded[..s.DepthwiseInputBytes];
            }
            else
            {
                dwInput = input.Slice(s.DepthwiseInput, s.DepthwiseInputBytes);
            }

            if (s.Project is null)
            {
                s.Depthwise.Run(dwInput, output.Slice(s.DepthwiseOutput, s.DepthwiseOutputBytes));
            }
            else
            {
                var rows = depthwise[..s.DepthwiseOutputBytes];
                s.Depthwise.Run(dwInput, rows);
                s.Project.Run(rows, output.Slice(s.ProjectOutput, s.ProjectOutputBytes));
            }
        }
    }

    /// <summary>One strip's steps and byte ranges, all fixed at load.</summary>
    private sealed record Strip(
        int HaloFrom,
        int HaloBytes,
        QuantConvStep? Expand,
        int ExpandInput,
        int ExpandInputBytes,
        int ExpandOutputBytes,
        QuantConvStep Depthwise,
        int DepthwiseInput,
        int DepthwiseInputBytes,
        int DepthwiseOutput,
        int DepthwiseOutputBytes,
        QuantConvStep? Project,
        int ProjectOutput,
        int ProjectOutputBytes);

    /// <summary>A contiguous range of output rows with its own strip buffers and kernels.</summary>
    private sealed class Lane
    {
        public Lane(string name, IConvKernels kernels, QuantConvParameters? expand, QuantConvParameters depthwise, QuantConvParameters? project, int firstRow, int rowCount, int stripRows)
        {
            var d = depthwise.Shape;
            // One step per (layer, window shape): first, middle and last strips differ, the middle ones repeat. Keyed by
            // layer too, as an expansion and a projection window can have the same shape.
            var steps = new Dictionary<(QuantConvParameters Layer, ConvShape Shape), QuantConvStep>();
            QuantConvStep Step(QuantConvParameters p, ConvShape shape)
            {
                if (!steps.TryGetValue((p, shape), out var step))
                {
                    step = new QuantConvStep(kernels, p with { Shape = shape });
                    steps[(p, shape)] = step;
                }

                return step;
            }

            var inRowBytes = d.InW * (expand?.Shape.InC ?? d.InC);
            var expandedRowBytes = d.InW * d.InC;
            var dwRowBytes = d.OutW * d.OutC;
            var strips = new List<Strip>();
            var (bufferTop, bufferEnd) = (0, 0); // expanded rows the buffer holds after the previous strip
            var maxWindowRows = 0;
            for (var r0 = firstRow; r0 < firstRow + rowCount; r0 += stripRows)
            {
                var n = Math.Min(stripRows, firstRow + rowCount - r0);
                var (window, inRow) = d.Window(r0, n);
                var inEnd = inRow + window.InH;
                maxWindowRows = Math.Max(maxWindowRows, window.InH);
                int haloFrom = 0, haloBytes = 0, expandInput = 0, expandInputBytes = 0, expandOutputBytes = 0;
                QuantConvStep? expandStep = null;
                if (expand is not null)
                {
                    var keep = strips.Count > 0 && inRow < bufferEnd && inRow >= bufferTop ? bufferEnd - inRow : 0;
                    haloFrom = (inRow - bufferTop) * expandedRowBytes;
                    haloBytes = keep * expandedRowBytes;
                    var fresh = Math.Max(0, inEnd - (inRow + keep));
                    if (fresh > 0)
                    {
                        expandStep = Step(expand, expand.Shape with { InH = fresh, OutH = fresh });
                        expandInput = (inRow + keep) * inRowBytes;
                        expandInputBytes = fresh * inRowBytes;
                        expandOutputBytes = fresh * expandedRowBytes;
                    }

                    (bufferTop, bufferEnd) = (inRow, inEnd);
                }

                strips.Add(new Strip(
                    haloFrom,
                    haloBytes,
                    expandStep,
                    expandInput,
                    expandInputBytes,
                    expandOutputBytes,
                    Step(depthwise, window),
                    inRow * inRowBytes,
                    window.InH * expandedRowBytes,
                    project is null ? r0 * dwRowBytes : 0,
                    n * dwRowBytes,
                    project is null ? null : Step(project, project.Shape with { InH = n, OutH = n }),
                    project is null ? 0 : r0 * project.Shape.OutW * project.Shape.OutC,
                    project is null ? 0 : n * project.Shape.OutW * project.Shape.OutC));
            }

            Strips = strips.ToArray();
            // Reference arrays are shared by a layer's windows; they stay referenced only where a step runs the
            // reference kernel (no prepared kernel for the ISA).
            PackedBytes = steps.Values.Sum(s => s.PackedBytes)
                + steps.Where(s => !s.Value.Prepared).Select(s => s.Key.Layer).Distinct().Sum(l => (l.Weights.Length + l.Bias.Length + l.Scales.Length) * 4L);
            if (expand is not null)
            {
                Expanded = new TensorSlot($"{name}.expanded", ElementType.UInt8, [1, d.InC, maxWindowRows, d.InW], true);
            }

            if (project is not null)
            {
                DepthwiseRows = new TensorSlot($"{name}.depthwise", ElementType.UInt8, [1, d.OutC, Math.Min(stripRows, rowCount), d.OutW], true);
            }

            Buffers = new[] { Expanded, DepthwiseRows }.OfType<TensorSlot>().ToArray();
        }

        public Strip[] Strips { get; }

        public TensorSlot? Expanded { get; }

        public TensorSlot? DepthwiseRows { get; }

        public TensorSlot[] Buffers { get; }

        public long PackedBytes { get; }
    }
}
