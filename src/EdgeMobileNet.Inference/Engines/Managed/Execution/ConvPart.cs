using EdgeMobileNet.Inference.Engines.Managed.Kernels;

namespace EdgeMobileNet.Inference.Engines.Managed.Execution;

/// <summary>
/// One independent piece of a convolution: a kernel run on <see cref="Shape"/> with the input elements from
/// <see cref="InputStart"/> and the output elements from <see cref="OutputStart"/> (NHWC, so both are contiguous)
/// computes exactly those outputs of the whole convolution.
/// </summary>
internal readonly record struct ConvPart(ConvShape Shape, int InputStart, int InputLength, int OutputStart, int OutputLength)
{
    /// <summary>
    /// Splits a convolution into at most <paramref name="threads"/> parts of near-equal work: a pointwise convolution
    /// (and a fully connected layer over several rows) by output pixels, which balances any image size; anything else
    /// by output rows (<see cref="ConvShape.Window"/>). Too little work, or a single row, stays one part.
    /// </summary>
    public static ConvPart[] Split(in ConvShape s, int threads)
    {
        var pointwise = QuantGemmPacking.IsPointwise(s);
        var pixels = s.OutH * s.OutW;
        var units = pointwise ? pixels : s.OutH;
        var macs = (long)pixels * s.OutC * s.KH * s.KW * s.InCPerGroup;
        var parts = macs < MinParallelMacs ? 1 : Math.Min(threads, units);
        if (parts <= 1)
        {
            return [new ConvPart(s, 0, (int)s.InputLength, 0, (int)s.OutputLength)];
        }

        var result = new ConvPart[parts];
        for (var i = 0; i < parts; i++)
        {
            var first = (int)((long)units * i / parts);
            var count = (int)((long)units * (i + 1) / parts) - first;
            if (pointwise)
            {
                // A pixel range of a 1x1 stride-1 convolution is a fully connected layer over those pixels.
                result[i] = new ConvPart(ConvShape.FullyConnected(count, s.InC, s.OutC), first * s.InC, count * s.InC, first * s.OutC, count * s.OutC);
            }
            else
            {
                var (window, inputRow) = s.Window(first, count);
                if (inputRow + window.InH > s.InH)
                {
                    // Rows lying wholly in the bottom padding (pads wider than the kernel): not worth a special case.
                    return [new ConvPart(s, 0, (int)s.InputLength, 0, (int)s.OutputLength)];
                }

                var rowIn = s.InW * s.InC;
                var rowOut = s.OutW * s.OutC;
                result[i] = new ConvPart(window, inputRow * rowIn, window.InH * rowIn, first * rowOut, count * rowOut);
            }
        }

        return result;
    }

    /// <summary>Below this many multiply-adds a layer runs on one thread: a dispatch would cost more than it saves.</summary>
    public const long MinParallelMacs = 50_000;
}
