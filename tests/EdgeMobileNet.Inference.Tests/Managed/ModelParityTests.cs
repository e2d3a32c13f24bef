using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>
/// The managed engine against the real ONNX Runtime on the shared models and every shared reference input: equal top-1;
/// float logits within 1e-3 of the largest |logit|; int8 logits equal for at least 99% of values and never more than
/// one output quantisation step apart.
/// </summary>
public sealed class ModelParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (var name in new[] { "cat", "dog", "elephants", "grace_hopper", "imagenet_finch" })
        {
            data.Add($"models/reference/inputs/{name}_input_f32_1x3x224x224.npy");
        }

        data.Add("images/grace_hopper_1x3x224x224_tract.npy");
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void ZooInt8MatchesOrtBitForBit(string input) =>
        CheckQuantized(TestAssets.ZooInt8, input);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void TorchvisionQdqMatchesOrt(string input) =>
        CheckQuantized(TestAssets.TorchvisionQdq, input);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void DerivedFloatMatchesOrt(string input)
    {
        var (managed, ort) = RunBoth(TestAssets.DerivedFloat, input);
        var maxAbs = ort.Max(MathF.Abs);
        var worst = managed.Zip(ort, (a, b) => MathF.Abs(a - b)).Max() / maxAbs;
        output.WriteLine($"{Path.GetFileName(input)}: max |diff| / max |logit| = {worst:E2}, top-1 {ArgMax(managed)} vs {ArgMax(ort)}");
        Assert.True(worst <= 1e-3f, $"relative error {worst}");
        Assert.Equal(ArgMax(ort), ArgMax(managed));
    }

    private void CheckQuantized(string model, string input)
    {
        var outputStep = OutputStep(model);
        var (managed, ort) = RunBoth(model, input);
        var equal = managed.Zip(ort).Count(p => p.First == p.Second);
        var worst = managed.Zip(ort, (a, b) => MathF.Abs(a - b)).Max();
        output.WriteLine($"{Path.GetFileName(input)}: {equal}/{ort.Length} bit-identical, max |diff| {worst}, top-1 {ArgMax(managed)} vs {ArgMax(ort)}");
        Assert.True(equal >= 0.99 * ort.Length, $"only {equal} of {ort.Length} logits equal ORT's");
        Assert.True(worst <= outputStep * 1.001f, $"a logit differs by {worst}, more than one step {outputStep}");
        Assert.Equal(ArgMax(ort), ArgMax(managed));
    }

    private static (float[] Managed, float[] Ort) RunBoth(string model, string input)
    {
        var x = Npy.Read(TestAssets.Require(input)).Float32!;
        using var ort = new OrtReference(model);
        using var engine = ManagedClassifier.Load(model, new ClassifierOptions { Engine = "managed" });
        x.CopyTo(engine.InputBuffer);
        return (engine.Run().ToArray(), ort.Run(x));
    }

    /// <summary>One quantisation step of the logits: the scale of the DequantizeLinear producing the graph output.</summary>
    internal static float OutputStep(string model)
    {
        var m = EdgeMobileNet.Onnx.OnnxReader.Read(model);
        var outName = m.Graph.Outputs[0].Name;
        var dq = m.Graph.Nodes.Single(n => n.Outputs.Contains(outName));
        Assert.Equal("DequantizeLinear", dq.OpType);
        return m.Graph.InitializerMap()[dq.Inputs[1]].ToFloatArray()[0];
    }

    /// <summary>First index of the maximum (ties resolve to the lowest index, as numpy's argmax does).</summary>
    internal static int ArgMax(float[] v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }

        return best;
    }
}
