namespace EdgeMobileNet.Training;

/// <summary>Accuracy, confusion matrix, per-class precision/recall and the reject threshold from held-out scores.</summary>
internal static class Metrics
{
    public static int[][] Confusion(int[] truth, int[] predicted, int classes)
    {
        var m = new int[classes][];
        for (var k = 0; k < classes; k++)
        {
            m[k] = new int[classes];
        }

        for (var i = 0; i < truth.Length; i++)
        {
            m[truth[i]][predicted[i]]++;
        }

        return m;
    }

    public static double Accuracy(int[] truth, int[] predicted) =>
        truth.Length == 0 ? 0 : truth.Where((t, i) => t == predicted[i]).Count() / (double)truth.Length;

    public static List<ClassMetrics> PerClass(int[][] confusion, IReadOnlyList<string> names)
    {
        var result = new List<ClassMetrics>();
        for (var k = 0; k < names.Count; k++)
        {
            var support = confusion[k].Sum();
            var predicted = confusion.Sum(row => row[k]);
            result.Add(new ClassMetrics(names[k], support, predicted == 0 ? 0 : confusion[k][k] / (double)predicted, support == 0 ? 0 : confusion[k][k] / (double)support));
        }

        return result;
    }

    /// <summary>
    /// Reject when P(reject class) ≥ threshold. Among thresholds whose false-reject rate (other classes rejected)
    /// stays within <paramref name="maxFalseReject"/>, the lowest (fewest missed rejects) is taken; the limits are
    /// checked on the same held-out scores.
    /// </summary>
    public static ThresholdReport Threshold(float[] rejectProbability, int[] truth, int rejectClass, string rejectName, double maxFalseReject, double? maxMissed)
    {
        var candidates = rejectProbability.Distinct().OrderBy(v => v).ToList();
        candidates.Add(MathF.BitIncrement(candidates.Count > 0 ? candidates[^1] : 1f));
        var positives = truth.Count(t => t == rejectClass);
        var negatives = truth.Length - positives;
        foreach (var t in candidates)
        {
            var falseRejects = 0;
            var missed = 0;
            for (var i = 0; i < truth.Length; i++)
            {
                var reject = rejectProbability[i] >= t;
                if (truth[i] == rejectClass && !reject)
                {
                    missed++;
                }
                else if (truth[i] != rejectClass && reject)
                {
                    falseRejects++;
                }
            }

            var fr = negatives == 0 ? 0 : falseRejects / (double)negatives;
            if (fr <= maxFalseReject + 1e-12)
            {
                var mr = positives == 0 ? 0 : missed / (double)positives;
                return new ThresholdReport(rejectName, t, maxFalseReject, maxMissed, fr, mr, falseRejects, missed, maxMissed is null || mr <= maxMissed.Value + 1e-12);
            }
        }

        throw new InvalidOperationException("unreachable: the top threshold rejects nothing");
    }
}
