namespace EdgeMobileNet.Vision;

/// <summary>
/// Fixed-point triangle-filter weights for one axis of a resize from <see cref="InputSize"/> to
/// <see cref="OutputSize"/> samples, for the output window [<see cref="WindowStart"/>, +<see cref="WindowLength"/>).
/// <para>
/// The weights follow PIL's BILINEAR resample exactly: the filter's support widens by the downscale factor (so a
/// downscale averages every source pixel it covers instead of aliasing), each output's taps are normalised to sum
/// to one in double precision, then rounded half away from zero to <see cref="PrecisionBits"/>-bit integers.
/// An output's taps depend only on its own index, so computing a window (the crop) gives bit-identical values to
/// resizing the whole image and cropping afterwards.
/// </para>
/// </summary>
internal sealed class FilterBank
{
    /// <summary>32 bits minus 8 for the pixel value and 2 of headroom, as in PIL.</summary>
    public const int PrecisionBits = 22;

    /// <summary>Half an output unit, added before the final shift so that it rounds to nearest.</summary>
    public const int Half = 1 << (PrecisionBits - 1);

    private FilterBank(int inputSize, int outputSize, int windowStart, int windowLength, int taps)
    {
        InputSize = inputSize;
        OutputSize = outputSize;
        WindowStart = windowStart;
        WindowLength = windowLength;
        MaxTaps = taps;
        First = new int[windowLength];
        Count = new int[windowLength];
        Weights = new int[windowLength * taps];
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    public int WindowStart { get; }

    public int WindowLength { get; }

    /// <summary>Stride of <see cref="Weights"/> per output sample.</summary>
    public int MaxTaps { get; }

    /// <summary>First source index used by each window output.</summary>
    public int[] First { get; }

    /// <summary>Number of source samples used by each window output.</summary>
    public int[] Count { get; }

    /// <summary>Weights, <see cref="MaxTaps"/> per output; unused tail entries are zero.</summary>
    public int[] Weights { get; }

    /// <summary>Lowest source index any window output reads.</summary>
    public int SourceFirst => First[0];

    /// <summary>One past the highest source index any window output reads.</summary>
    public int SourceEnd => First[WindowLength - 1] + Count[WindowLength - 1];

    public static FilterBank Create(int inputSize, int outputSize, int windowStart, int windowLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowLength);
        if (windowStart < 0 || windowStart + windowLength > outputSize)
        {
            throw new ArgumentOutOfRangeException(nameof(windowStart), $"window {windowStart}+{windowLength} is outside 0..{outputSize}");
        }

        // Arithmetic mirrors the reference in double precision step by step; reordering it changes rare roundings.
        double scale = (double)inputSize / outputSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale; // the triangle filter's own support is 1
        int taps = ((int)Math.Ceiling(support) * 2) + 1;
        double inverseFilterScale = 1.0 / filterScale;

        var bank = new FilterBank(inputSize, outputSize, windowStart, windowLength, taps);
        Span<double> w = taps <= 256 ? stackalloc double[taps] : new double[taps];
        for (var i = 0; i < windowLength; i++)
        {
            var outIndex = windowStart + i;
            double centre = (outIndex + 0.5) * scale;
            int first = Math.Max((int)(centre - support + 0.5), 0);
            int end = Math.Min((int)(centre + support + 0.5), inputSize);
            int count = end - first;

            double sum = 0.0;
            for (var t = 0; t < count; t++)
            {
                w[t] = Triangle((t + first - centre + 0.5) * inverseFilterScale);
                sum += w[t];
            }

            var row = bank.Weights.AsSpan(i * taps, taps);
            for (var t = 0; t < count; t++)
            {
                double normalised = sum != 0.0 ? w[t] / sum : w[t];
                row[t] = ToFixed(normalised);
            }

            bank.First[i] = first;
            bank.Count[i] = count;
        }

        return bank;
    }

    /// <summary>Rounds a weight to fixed point, half away from zero (the C cast truncates toward zero).</summary>
    internal static int ToFixed(double weight) =>
        weight < 0 ? (int)(-0.5 + (weight * (1 << PrecisionBits))) : (int)(0.5 + (weight * (1 << PrecisionBits)));

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }
}
