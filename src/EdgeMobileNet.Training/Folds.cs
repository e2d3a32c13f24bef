using System.Numerics.Tensors;

namespace EdgeMobileNet.Training;

/// <summary>
/// Cross-validation folds that keep near-identical views together. Augmented sets (the casting photos were already
/// rotated and flipped by their authors) hold several views of one part; a view in the training folds and another
/// in the held-out fold would flatter the accuracy. Images whose globally pooled activations at the cut are closer
/// than <see cref="LinkCosine"/> (cosine similarity, compared with the plain and the mirrored view) are linked,
/// linked images form groups (union-find), and whole groups are dealt to folds: largest first, each to the fold
/// with the fewest images of that class so far (ties to the lowest fold index). Deterministic: no random numbers.
/// </summary>
public static class Folds
{
    public const float LinkCosine = 0.97f;

    /// <summary>Fold index of every image and the number of groups with more than one image.</summary>
    /// <param name="plain">Per image, its activations averaged over positions (one value per channel).</param>
    /// <param name="mirrored">The same for the mirrored images, or null.</param>
    public static (int[] Fold, int LinkedGroups, int LinkedImages) Assign(IReadOnlyList<float[]> plain, IReadOnlyList<float[]>? mirrored, int[] labels, int folds, float threshold = LinkCosine)
    {
        ArgumentNullException.ThrowIfNull(plain);
        ArgumentNullException.ThrowIfNull(labels);
        var n = plain.Count;
        var desc = new float[n][];
        var descMirror = mirrored is null ? null : new float[n][];
        for (var i = 0; i < n; i++)
        {
            desc[i] = Normalised(plain[i]);
            if (descMirror is not null)
            {
                descMirror[i] = Normalised(mirrored![i]);
            }
        }

        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int a)
        {
            while (parent[a] != a)
            {
                parent[a] = parent[parent[a]];
                a = parent[a];
            }

            return a;
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                if (labels[i] != labels[j])
                {
                    continue;
                }

                var s = TensorPrimitives.Dot(desc[i], desc[j]);
                if (descMirror is not null)
                {
                    s = Math.Max(s, TensorPrimitives.Dot(desc[i], descMirror[j]));
                }

                if (s >= threshold)
                {
                    var (a, b) = (Find(i), Find(j));
                    if (a != b)
                    {
                        parent[Math.Max(a, b)] = Math.Min(a, b);
                    }
                }
            }
        }

        var groups = Enumerable.Range(0, n).GroupBy(Find)
            .Select(g => g.ToArray())
            .OrderByDescending(g => g.Length).ThenBy(g => g[0])
            .ToList();
        var classes = labels.Max() + 1;
        var counts = new int[folds, classes];
        var totals = new int[folds];
        var fold = new int[n];
        foreach (var g in groups)
        {
            var label = labels[g[0]];
            var best = 0;
            for (var f = 1; f < folds; f++)
            {
                if (counts[f, label] < counts[best, label] || (counts[f, label] == counts[best, label] && totals[f] < totals[best]))
                {
                    best = f;
                }
            }

            foreach (var i in g)
            {
                fold[i] = best;
            }

            counts[best, label] += g.Length;
            totals[best] += g.Length;
        }

        var linked = groups.Where(g => g.Length > 1).ToList();
        return (fold, linked.Count, linked.Sum(g => g.Length));
    }

    /// <summary>Channel means over positions of position-major activations.</summary>
    internal static float[] ChannelMeans(ReadOnlySpan<float> positionMajor, int channels)
    {
        var positions = positionMajor.Length / channels;
        var d = new float[channels];
        for (var s = 0; s < positions; s++)
        {
            TensorPrimitives.Add(d, positionMajor.Slice(s * channels, channels), d);
        }

        TensorPrimitives.Divide(d, positions, d);
        return d;
    }

    private static float[] Normalised(float[] x)
    {
        var d = (float[])x.Clone();
        var norm = TensorPrimitives.Norm(d);
        if (norm > 0)
        {
            TensorPrimitives.Divide(d, norm, d);
        }

        return d;
    }
}
