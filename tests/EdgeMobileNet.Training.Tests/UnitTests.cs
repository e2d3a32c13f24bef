using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Training.Tests;

public sealed class MatMulTests
{
    [Theory]
    [InlineData(9, 7, 35, 1)]
    [InlineData(130, 33, 40, 2)]
    [InlineData(13, 320, 67, 1)]
    public void MatchesTheNaiveProductAndIgnoresTheThreadCount(int m, int k, int n, int threads)
    {
        var rng = new Random(m + n);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var c = Enumerable.Range(0, m * n).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = (float[])c.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double acc = expected[(i * n) + j];
                for (var kk = 0; kk < k; kk++)
                {
                    acc += a[(i * k) + kk] * (double)b[(kk * n) + j];
                }

                expected[(i * n) + j] = (float)acc;
            }
        }

        var single = (float[])c.Clone();
        MatMul.Multiply(a, b, single, m, k, n, 1);
        MatMul.Multiply(a, b, c, m, k, n, threads);
        Assert.Equal(single, c);
        for (var i = 0; i < c.Length; i++)
        {
            Assert.Equal(expected[i], c[i], 1e-4f);
        }
    }
}

public sealed class MetricsTests
{
    [Fact]
    public void ThresholdKeepsFalseRejectsWithinTheLimitAndMissesAsFewAsPossible()
    {
        // Class 0 is the reject class. Good parts (class 1) score 0.1..0.6; one good part scores 0.9.
        float[] p = [0.95f, 0.8f, 0.7f, 0.3f, 0.1f, 0.2f, 0.6f, 0.9f, 0.05f, 0.15f];
        int[] truth = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        var none = Metrics.Threshold(p, truth, 0, "def", 0.0, null);
        Assert.Equal(0.95f, none.Threshold);
        Assert.Equal((0, 3), (none.FalseRejects, none.Missed));
        var some = Metrics.Threshold(p, truth, 0, "def", 2 / 6.0, 0.3);
        Assert.Equal(0.3f, some.Threshold);
        Assert.Equal((2, 0), (some.FalseRejects, some.Missed));
        Assert.True(some.WithinLimits);
        var strict = Metrics.Threshold(p, truth, 0, "def", 1 / 6.0, 0.1);
        Assert.Equal(0.7f, strict.Threshold);
        Assert.Equal((1, 1), (strict.FalseRejects, strict.Missed));
        Assert.False(strict.WithinLimits);
    }

    [Fact]
    public void ConfusionPrecisionAndRecall()
    {
        var c = Metrics.Confusion([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2);
        Assert.Equal([1, 1], c[0]);
        Assert.Equal([1, 2], c[1]);
        var per = Metrics.PerClass(c, ["a", "b"]);
        Assert.Equal(0.5, per[0].Precision);
        Assert.Equal(2 / 3.0, per[1].Recall, 1e-12);
    }
}

public sealed class FoldsTests
{
    [Fact]
    public void NearIdenticalViewsShareAFoldAndClassesAreBalanced()
    {
        // 4 channels x 1 position. Images 0,1 and 2,3 are near-identical views of class 0; the rest are distinct.
        float[][] x =
        [
            [1, 0, 0, 0], [0.99f, 0.01f, 0, 0], [0, 1, 0, 0], [0, 0.98f, 0.02f, 0], [0, 0, 1, 0], [0, 0, 0, 1],
            [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [1, 0, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1],
        ];
        int[] labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        var (fold, groups, linked) = Folds.Assign(x, null, labels, 3);
        Assert.Equal(2, groups);
        Assert.Equal(4, linked);
        Assert.Equal(fold[0], fold[1]);
        Assert.Equal(fold[2], fold[3]);
        Assert.NotEqual(fold[0], fold[2]);
        for (var f = 0; f < 3; f++)
        {
            Assert.Equal(2, Enumerable.Range(6, 6).Count(i => fold[i] == f));
        }
    }
}

public sealed class AugmentationTests
{
    private static RgbImage Gradient()
    {
        var image = new RgbImage(40, 30);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)((i * 7) % 251);
        }

        return image;
    }

    [Fact]
    public void ViewsAreWhatTheirNamesSay()
    {
        var image = Gradient();
        Assert.Equal(image.Pixels, Augmentation.Rotate(image, 0).Pixels);
        Assert.Equal(image.Pixels, Augmentation.MirrorImage(Augmentation.MirrorImage(image)).Pixels);
        var turned = Augmentation.Rotate(image, 12);
        Assert.NotEqual(image.Pixels, turned.Pixels);
        Assert.Equal((40, 30), (turned.Width, turned.Height));
        var crop = Augmentation.CentreCrop(image, 0.9);
        Assert.Equal((36, 27), (crop.Width, crop.Height));
        Assert.Equal(image.Pixels.AsSpan((1 * 40 * 3) + (2 * 3), 36 * 3).ToArray(), crop.Pixels.AsSpan(0, 36 * 3).ToArray());
        var bright = Augmentation.Brightness(image, 1.2f);
        Assert.Equal(Math.Min(255, (int)MathF.Round(image.Pixels[5] * 1.2f)), bright.Pixels[5]);
        Assert.Equal(["mirror", "rotate+12", "rotate-12", "crop90", "bright0.8", "bright1.2"], Augmentation.Set("full").Select(a => a.Key));
        Assert.Equal(["mirror", "crop90"], Augmentation.Set("mirror, crop,mirror").Select(a => a.Key));
        Assert.Empty(Augmentation.Set("none"));
    }
}
