using EdgeMobileNet.Inference;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Training.Tests;

public sealed class BackboneTests
{
    [Fact]
    public void FindsTheLastPointwiseConvolutionOfTheZooInt8Model()
    {
        var b = Backbone.Load(TestAssets.ZooInt8);
        Assert.Equal((320, 1280, 7, 7, 224), (b.InChannels, b.OutChannels, b.Height, b.Width, b.Resolution));
        Assert.NotNull(b.CutQuant);
        Assert.True(b.CutQuant!.Unsigned);
        Assert.False(b.CutIsDequantized);
        Assert.Equal(6f, b.ClipMax);
        Assert.Equal(1280 * 320, b.ConvWeights.Length);
    }

    [Fact]
    public void DequantisedWeightsEqualTheDerivedFloatModel()
    {
        // The derived float model was made from the zoo model by dequantising every weight: both analyses of the
        // last convolution must agree (up to the float rounding of the bias product).
        var q = Backbone.Load(TestAssets.ZooInt8);
        var f = Backbone.Load(TestAssets.DerivedFloat);
        Assert.Null(f.CutQuant);
        Assert.Equal(6f, f.ClipMax);
        Assert.Equal(q.ConvWeights, f.ConvWeights);
        for (var o = 0; o < q.OutChannels; o++)
        {
            Assert.Equal(f.ConvBias[o], q.ConvBias[o], 1e-6f);
        }
    }

    [Fact]
    public void QdqModelIsCutAtTheDequantisedInput()
    {
        var b = Backbone.Load(TestAssets.TorchvisionQdq);
        Assert.Equal((320, 1280), (b.InChannels, b.OutChannels));
        Assert.True(b.CutIsDequantized);
        Assert.False(b.CutQuant!.Unsigned);
    }

    [Fact]
    public void CutModelRunsOnBothEnginesWithIdenticalInt8Activations()
    {
        var b = Backbone.Load(TestAssets.ZooInt8);
        var path = Path.Combine(TestAssets.NewTempDir(), "cut.onnx");
        Onnx.OnnxWriter.Write(b.CutModel(), path);
        using var managed = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "managed" });
        using var ort = ClassifierFactory.Create(path, new ClassifierOptions { Engine = "ort" });
        Assert.Equal(320 * 49, managed.Output.Classes);
        var rng = new Random(3);
        for (var i = 0; i < managed.InputBuffer.Length; i++)
        {
            managed.InputBuffer[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        managed.InputBuffer.CopyTo(ort.InputBuffer);
        var a = managed.Run().ToArray();
        var c = ort.Run().ToArray();
        Assert.Equal(a, c);
        Assert.Contains(a, v => v > 0);
    }

    [Fact]
    public void NotAModelIsAUserErrorNamingTheFile()
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "broken.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        var ex = Assert.ThrowsAny<EdgeMobileNetException>(() => Backbone.Load(path));
        Assert.Contains(path, ex.Message);
    }
}
