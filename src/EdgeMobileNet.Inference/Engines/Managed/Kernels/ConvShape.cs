namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Geometry of a 2-D convolution over one NHWC image. Weights are packed [kh][kw][cin/group][cout] so the inner loop of
/// every kernel walks output channels contiguously. A fully connected layer is the 1x1 case with M "pixels".
/// </summary>
internal readonly record struct ConvShape(
    int InH,
    int InW,
    int InC,
    int OutH,
    int OutW,
    int OutC,
    int KH,
    int KW,
    int StrideH,
    int StrideW,
    int PadTop,
    int PadLeft,
    int DilationH,
    int DilationW,
    int Groups)
{
    public int InCPerGroup => InC / Groups;

    public int OutCPerGroup => OutC / Groups;

    public bool IsDepthwise => InCPerGroup == 1 && OutCPerGroup == 1;

    public long InputLength => (long)InH * InW * InC;

    public long OutputLength => (long)OutH * OutW * OutC;

    public long WeightLength => (long)KH * KW * InCPerGroup * OutC;

    /// <summary>
    /// For output row <paramref name="oh"/>: the first input row the kernel covers (may be negative: padding) and the
    /// kernel rows [First, End) that land inside the input, so padded taps are skipped rather than read.
    /// </summary>
    public (int Origin, int First, int End) RowTaps(int oh) => Taps(oh, StrideH, PadTop, DilationH, InH, KH);

    /// <summary>As <see cref="RowTaps"/>, for output column <paramref name="ow"/>.</summary>
    public (int Origin, int First, int End) ColumnTaps(int ow) => Taps(ow, StrideW, PadLeft, DilationW, InW, KW);

    /// <summary>
    /// The convolution that produces output rows [<paramref name="firstRow"/>, firstRow + <paramref name="rows"/>) as
    /// a whole image of its own: its input is the window of input rows starting at <c>InputRow</c> (clipped to the
    /// image) and its top padding is whatever part of the window lies above row 0. Any kernel run on the window shape,
    /// given the input from <c>InputRow</c> on and the output from <paramref name="firstRow"/> on, computes exactly
    /// those rows of the full convolution; threads and row strips are built on this.
    /// </summary>
    public (ConvShape Shape, int InputRow) Window(int firstRow, int rows)
    {
        if (firstRow < 0 || rows < 1 || firstRow + rows > OutH)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"rows [{firstRow}, {firstRow + rows}) outside 0..{OutH}");
        }

        var origin = (firstRow * StrideH) - PadTop;
        var last = ((firstRow + rows - 1) * StrideH) - PadTop + ((KH - 1) * DilationH);
        var top = Math.Max(0, origin);
        var bottom = Math.Min(InH - 1, last);
        return (this with { InH = Math.Max(1, bottom - top + 1), OutH = rows, PadTop = top - origin }, top);
    }

    private static (int Origin, int First, int End) Taps(int o, int stride, int pad, int dilation, int inLength, int k)
    {
        var origin = (o * stride) - pad;
        var first = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
        var end = Math.Min(k, (inLength - origin + dilation - 1) / dilation);
        return (origin, first, end);
    }

    /// <summary>A fully connected layer y[M,N] = x[M,K] w[K,N] as a 1x1 convolution over M pixels.</summary>
    public static ConvShape FullyConnected(int m, int k, int n) => new(1, m, k, 1, m, n, 1, 1, 1, 1, 0, 0, 1, 1, 1);
}
