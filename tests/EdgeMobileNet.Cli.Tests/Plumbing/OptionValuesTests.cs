using EdgeMobileNet.Cli;
using EdgeMobileNet.Inference;
using Xunit;

namespace EdgeMobileNet.Cli.Tests.Plumbing;

public sealed class OptionValuesTests
{
    [Fact]
    public void ParsesListsInvariantly()
    {
        Assert.Equal([0.5f, 0.25f, 1e-3f], OptionValues.Floats("--mean", "0.5, 0.25,1e-3"));
        Assert.Equal([1, 2, 4], OptionValues.PositiveInts("--threads", "1,2,4"));
        Assert.Equal(["ort", "managed"], OptionValues.Engines("--engine", "ort,managed", allowAuto: false));
    }

    [Theory]
    [InlineData("0.5,x", "--mean: 'x' is not a number")]
    [InlineData("0.5,,1", "--mean: '0.5,,1' is not a comma-separated list")]
    public void BadFloatsNameTheOption(string text, string message) =>
        Assert.Equal(message, Assert.Throws<EdgeMobileNetException>(() => OptionValues.Floats("--mean", text)).Message);

    [Fact]
    public void AutoIsNotABenchEngine() =>
        Assert.Equal("--engine: unknown engine 'auto' (expected one of: ort, managed)",
            Assert.Throws<EdgeMobileNetException>(() => OptionValues.Engines("--engine", "ort,auto", allowAuto: false)).Message);
}
