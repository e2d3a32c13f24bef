using EdgeMobileNet.Cli;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Plumbing;

public sealed class ScoresTests
{
    [Fact]
    public void TopKRanksBestFirstAndBreaksTiesTowardsTheLowerIndex()
    {
        float[] scores = [0.1f, 0.7f, 0.3f, 0.7f, -1f, 0.3f];
        Assert.Equal([1, 3, 2, 5], Scores.TopK(scores, 4));
        Assert.Equal([1, 3, 2, 5, 0, 4], Scores.TopK(scores, 10));
        Assert.Equal([1], Scores.TopK(scores, 1));
    }

    [Fact]
    public void SoftmaxMatchesTheDefinitionAndSurvivesLargeLogits()
    {
        float[] logits = [1f, 2f, 3f];
        var probabilities = new float[3];
        Scores.Softmax(logits, probabilities);
        var sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(3) / sum, probabilities[2], 6);
        Assert.Equal(Math.Exp(1) / sum, probabilities[0], 6);

        float[] huge = [1000f, 1000f];
        Scores.Softmax(huge, probabilities.AsSpan(0, 2));
        Assert.Equal([0.5f, 0.5f], probabilities[..2]);
    }
}
