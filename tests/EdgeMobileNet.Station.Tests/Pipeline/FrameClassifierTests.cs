using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.State;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Pipeline;

public sealed class FrameClassifierTests
{
    [Fact]
    public void Softmax_of_logits_sums_to_one_and_keeps_order()
    {
        float[] logits = [1f, 3f, -2f, 3f, 0.5f];
        var p = new float[5];
        FrameClassifier.ToProbabilities(logits, isProbability: false, p);
        Assert.Equal(1.0, p.Sum(), 5);
        var expected = logits.Select(l => Math.Exp(l) / logits.Sum(x => Math.Exp(x))).ToArray();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(expected[i], p[i], 5);
        }
    }

    [Fact]
    public void TopK_matches_a_full_sort_with_ties_by_lower_index()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 200; trial++)
        {
            var scores = Enumerable.Range(0, 50).Select(_ => (float)Math.Round(random.NextDouble(), 1)).ToArray();
            var result = new ClassificationResult(5, [.. Enumerable.Range(0, 50).Select(i => $"c{i}")]);
            FrameClassifier.TopK(scores, result);
            var expected = scores.Select((s, i) => (s, i)).OrderByDescending(x => x.s).ThenBy(x => x.i).Take(5).ToArray();
            Assert.Equal(5, result.TopCount);
            Assert.Equal(expected.Select(x => x.i), result.TopIndex);
            Assert.Equal(expected[0].i, result.Index);
        }
    }
}
