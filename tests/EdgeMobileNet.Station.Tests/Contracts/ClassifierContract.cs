using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Contracts;

/// <summary>What the station needs from every <see cref="IClassifier"/> engine, on the shared int8 MobileNetV2.</summary>
public abstract class ClassifierContract
{
    [Fact]
    public void Describes_an_image_input_and_a_class_vector()
    {
        using var classifier = Create();
        Assert.Equal(Engine, classifier.Engine);
        Assert.Equal(3, classifier.Input.Channels);
        Assert.Equal(224, classifier.Input.Width);
        Assert.Equal(224, classifier.Input.Height);
        Assert.Equal(3 * 224 * 224, classifier.InputBuffer.Length);
        Assert.Equal(1000, classifier.Output.Classes);
    }

    [Fact]
    public void Classifies_the_dog_as_a_samoyed_the_same_way_every_time()
    {
        using var classifier = Create();
        new Preprocessor(classifier.Input, PreprocessOptions.ImageNet).Run(ImageDecoder.Decode(Path.Combine(TestAssets.Images, "dog.jpg")), classifier.InputBuffer);
        var first = classifier.Run().ToArray();
        var second = classifier.Run().ToArray();
        Assert.Equal(first, second);
        Assert.All(first, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(Array.IndexOf(first, first.Max()), new[] { 258, 259 }); // Samoyed (or Pomeranian)
    }

    private protected abstract string Engine { get; }

    private IClassifier Create() => ClassifierFactory.Create(TestAssets.ZooInt8, new ClassifierOptions { Engine = Engine, Threads = 1 });
}

public sealed class OrtClassifierContract : ClassifierContract
{
    private protected override string Engine => "ort";
}

public sealed class ManagedClassifierContract : ClassifierContract
{
    private protected override string Engine => "managed";
}
