namespace EdgeMobileNet.Cli;

/// <summary>Turns an output vector into ranked class scores.</summary>
internal static class Scores
{
    /// <summary>Softmax of logits, computed in double and shifted by the maximum so large logits cannot overflow.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits)
        {
            max = MathF.Max(max, v);
        }

        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            sum += Math.Exp(logits[i] - max);
        }

        for (var i = 0; i < logits.Length; i++)
        {
            destination[i] = (float)(Math.Exp(logits[i] - max) / sum);
        }
    }

    /// <summary>Indices of the k largest scores, best first; ties go to the lower index.</summary>
    public static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        k = Math.Min(k, scores.Length);
        var top = new int[k];
        var count = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var pos = count;
            while (pos > 0 && scores[i] > scores[top[pos - 1]])
            {
                pos--;
            }

            if (pos >= k)
            {
                continue;
            }

            var last = Math.Min(count, k - 1);
            for (var j = last; j > pos; j--)
            {
                top[j] = top[j - 1];
            }

            top[pos] = i;
            count = Math.Min(count + 1, k);
        }

        return top;
    }
}
