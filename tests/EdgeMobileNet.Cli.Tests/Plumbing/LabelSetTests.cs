using EdgeMobileNet.Cli.Tests.Support;
using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Plumbing;

public sealed class LabelSetTests : IDisposable
{
    private readonly TempDir temp = new();

    [Fact]
    public void SynsetLinesLoseTheirWordNetId()
    {
        var labels = LabelSet.Load(TestAssets.Synset, 1000);
        Assert.Equal("tench, Tinca tinca", labels[0]);
        Assert.Equal("house finch, linnet, Carpodacus mexicanus", labels[12]);
    }

    [Fact]
    public void PlainLinesAreTakenAsTheyAreAndATrailingNewlineIsNotAClass()
    {
        var path = temp.File("labels.txt");
        File.WriteAllText(path, "red\nn123 not a synset\nblue\n\n");
        var labels = LabelSet.Load(path, 3);
        Assert.Equal(["red", "n123 not a synset", "blue"], [labels[0], labels[1], labels[2]]);
    }

    [Fact]
    public void WithoutAFileTheLabelIsTheIndex() => Assert.Equal("417", LabelSet.Indices[417]);

    [Fact]
    public void MissingFileNamesIt()
    {
        var path = temp.File("nope.txt");
        Assert.Equal($"--labels: labels file not found: {path}", Assert.Throws<EdgeMobileNetException>(() => LabelSet.Load(path, 3)).Message);
    }

    public void Dispose() => temp.Dispose();
}
