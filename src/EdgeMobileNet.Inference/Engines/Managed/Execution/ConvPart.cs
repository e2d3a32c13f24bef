using EdgeMobileNet.Inference.Engines.Managed.Kernels;

namespace EdgeMobileNet.Inference.Engines.Managed.Execution;

/// <summary>
/// One independent piece of a convolution: a kernel run on <see cref="Shape"/> with the input elements from
/// <see cref="InputStart"/> and the output elements from <see cref="OutputStart"/> (NHWC, so both are contiguous)
/// computes exactly those outputs of the whole convolution. A channel part (<see cref="IsChannelSlice"/>) computes
/// output channels [FirstChannel, FirstChannel + Shape.OutC) and needs the weights, bias and scales of those channels.
/// </summary>
internal readonly record struct ConvPart(ConvShape Shape, int InputStart, int InputLength, int OutputStart, int OutputLength, int FirstChannel = 0)
{
    /// <summary>Below this many multiply-adds a layer runs on one thread: a dispatch would cost more than it saves.</summary>
    public const long MinParallelMacs = 50_000;

    /// <summary>Channel parts are whole multiples of this (the widest kernel's channel block), so no part ends ragged.</summary>
    public const int ChannelAlignment = 32;

    public bool IsChannelSlice(in ConvShape whole) => Shape.OutC != whole.OutC;

    /// <summary>
    /// Splits a convolution into at most <paramref name="threads"/> parts of near-equal work: a pointwise convolution
    /// (and a fully connected layer over several rows) by output pixels, which balances any image size; a layer with a
    /// single output pixel (a classifier, a squeeze-excite branch) by output channels; anything else by output rows
    /// (<see cref="ConvShape.Window"/>). Too little work stays one part.
    /// </summary>
    public static ConvPart[] Split(in ConvShape s, int threads)
    {
        var whole = new ConvPart(s, 0, (int)s.InputLength, 0, (int)s.OutputLength);
        var pixels = s.OutH * s.OutW;
        var macs = (long)pixels * s.OutC * s.KH * s.KW * s.InCPerGroup;
        if (threads <= 1 || macs < MinParallelMacs)
        {
            return [whole];
        }

        if (pixels == 1)
        {
            return s.Groups == 1 ? ByChannels(s, threads) : [whole];
        }

        var pointwise = QuantGemmPacking.IsPointwise(s);
        var units = pointwise ? pixels : s.OutH;
        var parts = Math.Min(threads, units);
        if (parts <= 1)
        {
            return [whole];
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
                continue;
            }

            var (window, inputRow) = s.Window(first, count);
            if (inputRow + window.InH > s.InH)
            {
                // Rows lying wholly in the bottom padding (pads wider than the kernel): not worth a special case.
                return [whole];
            }

            var rowIn = s.InW * s.InC;
            var rowOut = s.OutW * s.OutC;
            result[i] = new ConvPart(window, inputRow * rowIn, window.InH * rowIn, first * rowOut, count * rowOut);
        }

        return result;
    }

    /// <summary>One output pixel: output channels are contiguous, and each channel range is a convolution of its own.</summary>
    private static ConvPart[] ByChannels(in ConvShape s, int threads)
    {
        var blocks = (s.OutC + ChannelAlignment - 1) / ChannelAlignment;
        var parts = Math.Min(threads, blocks);
        if (parts <= 1)
        {
            return [new ConvPart(s, 0, (int)s.InputLength, 0, (int)s.OutputLength)];
        }

        var result = new ConvPart[parts];
        for (var i = 0; i < parts; i++)
        {
            var first = (int)((long)blocks * i / parts) * ChannelAlignment;
            var end = Math.Min(s.OutC, (int)((long)blocks * (i + 1) / parts) * ChannelAlignment);
            result[i] = new ConvPart(s with { OutC = end - first }, 0, (int)s.InputLength, first, end - first, first);
        }

        return result;
    }

    /// <summary>Output channels [FirstChannel, FirstChannel + Shape.OutC) of weights packed [kh][kw][cin][cout].</summary>
    public T[] SliceWeights<T>(T[] weights, in ConvShape whole)
    {
        var rows = weights.Length / whole.OutC;
        var n = Shape.OutC;
        var slice = new T[rows * n];
        for (var r = 0; r < rows; r++)
        {
            Array.Copy(weights, (r * whole.OutC) + FirstChannel, slice, r * n, n);
        }

        return slice;
    }

    /// <summary>This part's entries of a per-channel array (a single per-tensor value is kept as it is).</summary>
    public T[] SliceChannels<T>(T[] perChannel) =>
        perChannel.Length == 1 ? perChannel : perChannel.AsSpan(FirstChannel, Shape.OutC).ToArray();
}
