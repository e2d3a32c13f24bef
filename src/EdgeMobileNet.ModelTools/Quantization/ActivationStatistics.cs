namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>How a calibrated activation range is chosen from the statistics.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen.</summary>
    MinMax,

    /// <summary>Each side clipped at a percentile of its magnitudes (outliers give up their range to resolution).</summary>
    Percentile,

    /// <summary>The range (each end scaled down from the observed one) whose int8 grid gives the least mean squared error over the
    /// observed distribution: clipping error of the values outside plus rounding error of those inside.</summary>
    Mse,
}

/// <summary>
/// Streaming statistics of one activation over the calibration set: exact min/max and two magnitude histograms
/// (positive and negative values) of <see cref="Bins"/> bins that double their span, merging bin pairs, whenever a
/// larger value arrives. One pass over the images serves every <see cref="CalibrationMethod"/>.
/// </summary>
public sealed class ActivationStatistics
{
    public const int Bins = 2048;

    private readonly Side _positive = new();
    private readonly Side _negative = new();

    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public long Count => _positive.Count + _negative.Count;

    public void Add(ReadOnlySpan<float> values)
    {
        var min = Min;
        var max = Max;
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw new QuantizationException("calibration produced a non-finite activation (NaN or infinity)");
            }

            min = v < min ? v : min;
            max = v > max ? v : max;
        }

        Min = min;
        Max = max;
        _positive.Fit(max);
        _negative.Fit(-min);
        foreach (var v in values)
        {
            if (v >= 0)
            {
                _positive.Add(v);
            }
            else
            {
                _negative.Add(-v);
            }
        }
    }

    /// <summary>The calibrated range by <paramref name="method"/>; always contains 0.</summary>
    public (float Min, float Max) Range(CalibrationMethod method, double percentile = 99.999)
    {
        if (Count == 0)
        {
            return (0f, 0f);
        }

        var lo = Math.Min(Min, 0f);
        var hi = Math.Max(Max, 0f);
        switch (method)
        {
            case CalibrationMethod.Percentile:
                return (-Math.Min(_negative.Percentile(percentile), -lo), Math.Min(_positive.Percentile(percentile), hi));
            case CalibrationMethod.Mse:
            {
                // Coordinate descent over the two ends (each a fraction k/128 of the observed end, k >= 8): a long
                // tail on one side must not cost the other side its range.
                double l = lo, h = hi;
                for (var round = 0; round < 3; round++)
                {
                    h = BestEnd(hi, c => Error(l, c));
                    l = BestEnd(lo, c => Error(c, h));
                }

                return ((float)l, (float)h);
            }

            default:
                return (lo, hi);
        }
    }

    private double Error(double lo, double hi)
    {
        var step = (hi - lo) / 255.0;
        return _positive.SquaredError(hi, step) + _negative.SquaredError(-lo, step);
    }

    private static double BestEnd(double observed, Func<double, double> error)
    {
        if (observed == 0)
        {
            return 0;
        }

        var best = observed;
        var bestError = double.PositiveInfinity;
        for (var k = 128; k >= 8; k--)
        {
            var candidate = observed * k / 128.0;
            var e = error(candidate);
            if (e < bestError)
            {
                (best, bestError) = (candidate, e);
            }
        }

        return best;
    }

    /// <summary>Magnitudes of one sign: bin i counts values in [i, i+1) · Span / Bins.</summary>
    private sealed class Side
    {
        private readonly long[] _bins = new long[Bins];

        public double Span { get; private set; }

        public long Count { get; private set; }

        /// <summary>Widens the span (doubling, merging bin pairs) until <paramref name="magnitude"/> fits.</summary>
        public void Fit(float magnitude)
        {
            if (magnitude <= 0)
            {
                return;
            }

            if (Span == 0)
            {
                Span = magnitude * 1.0001;
                return;
            }

            while (magnitude >= Span)
            {
                for (var i = 0; i < Bins / 2; i++)
                {
                    _bins[i] = _bins[2 * i] + _bins[(2 * i) + 1];
                }

                Array.Clear(_bins, Bins / 2, Bins / 2);
                Span *= 2;
            }
        }

        public void Add(float magnitude)
        {
            Count++;
            if (Span == 0)
            {
                _bins[0]++;
                return;
            }

            var i = (int)(magnitude / Span * Bins);
            _bins[Math.Min(i, Bins - 1)]++;
        }

        public float Percentile(double percent)
        {
            if (Count == 0)
            {
                return 0f;
            }

            var target = Count * percent / 100.0;
            long seen = 0;
            for (var i = 0; i < Bins; i++)
            {
                seen += _bins[i];
                if (seen >= target)
                {
                    return (float)((i + 1) * Span / Bins);
                }
            }

            return (float)Span;
        }

        /// <summary>Sum over values of this sign of the squared quantisation error for bound <paramref name="bound"/>
        /// and grid <paramref name="step"/>: values beyond the bound are clipped to it, the others round (step²/12).</summary>
        public double SquaredError(double bound, double step)
        {
            if (Count == 0)
            {
                return 0;
            }

            var rounding = step * step / 12.0;
            double error = 0;
            var width = Span / Bins;
            for (var i = 0; i < Bins; i++)
            {
                if (_bins[i] == 0)
                {
                    continue;
                }

                var centre = (i + 0.5) * width;
                error += centre > bound ? _bins[i] * (((centre - bound) * (centre - bound)) + rounding) : _bins[i] * rounding;
            }

            return error;
        }
    }
}
