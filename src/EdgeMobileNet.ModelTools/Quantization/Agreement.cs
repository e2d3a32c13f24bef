using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.ModelTools.Quantization;

/// <summary>How closely a model follows a reference model on the same images.</summary>
/// <param name="Images">Images both models ran.</param>
/// <param name="Top1Agree">Images whose top-1 class is the same.</param>
/// <param name="MeanAbsLogitError">Mean over images and classes of |model − reference|.</param>
/// <param name="MaxAbsLogitError">Largest single |model − reference|.</param>
/// <param name="MeanLogitSpread">Mean over images of the reference's max − min output (scale for the error).</param>
public sealed record AgreementReport(int Images, int Top1Agree, double MeanAbsLogitError, double MaxAbsLogitError, double MeanLogitSpread)
{
    public double Top1Percent => Images == 0 ? 0 : 100.0 * Top1Agree / Images;
}

/// <summary>Runs a reference (float) and a candidate (int8) classifier on the same preprocessed images.</summary>
public static class Agreement
{
    public static AgreementReport Measure(IClassifier reference, IClassifier candidate, IReadOnlyList<string> images, PreprocessOptions preprocess, Action<string>? skipped = null, IProgress<CalibrationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(images);
        if (reference.Output.Classes != candidate.Output.Classes)
        {
            throw new QuantizationException($"the models have {reference.Output.Classes} and {candidate.Output.Classes} outputs");
        }

        var pre = new Preprocessor(reference.Input, preprocess);
        var preCandidate = new Preprocessor(candidate.Input, preprocess);
        var expected = new float[reference.Output.Classes];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        int n = 0, agree = 0;
        double sum = 0, max = 0, spread = 0;
        for (var i = 0; i < images.Count; i++)
        {
            if (!ImageSet.TryLoad(pre, images[i], reference.InputBuffer, out var error) || !ImageSet.TryLoad(preCandidate, images[i], candidate.InputBuffer, out error))
            {
                skipped?.Invoke(error!);
                continue;
            }

            reference.Run().CopyTo(expected);
            var actual = candidate.Run();
            n++;
            agree += ArgMax(expected) == ArgMax(actual) ? 1 : 0;
            var lo = float.PositiveInfinity;
            var hi = float.NegativeInfinity;
            for (var c = 0; c < expected.Length; c++)
            {
                var d = Math.Abs((double)actual[c] - expected[c]);
                sum += d;
                max = Math.Max(max, d);
                lo = Math.Min(lo, expected[c]);
                hi = Math.Max(hi, expected[c]);
            }

            spread += hi - lo;
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            var rate = (i + 1) / Math.Max(seconds, 1e-9);
            progress?.Report(new CalibrationProgress(i + 1, images.Count, rate, (images.Count - i - 1) / rate));
        }

        return n == 0
            ? new AgreementReport(0, 0, 0, 0, 0)
            : new AgreementReport(n, agree, sum / ((double)n * expected.Length), max, spread / n);
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
