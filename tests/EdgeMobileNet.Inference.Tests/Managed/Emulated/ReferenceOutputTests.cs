using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Emulated;

/// <summary>
/// Model conformance without ONNX Runtime at run time, so it also runs where ORT cannot (linux-arm64 under qemu): the
/// managed engine with the kernels it picks for this CPU against the logits ORT saved in the shared reference outputs
/// (same bounds as <see cref="ModelParityTests"/>), and against the scalar kernels when it picked others (integer models
/// bit-identical, float within summation-order error; under emulation on the cat input only).
/// </summary>
[Trait(Emulation.Trait, "true")]
public sealed class ReferenceOutputTests(ITestOutputHelper output)
{
    /// <summary>Reference input stem and the input tensor it was made from. Under emulation two images cover both
    /// kinds of scene (an animal close up, a small bird) at a sixth of the cost.</summary>
    public static TheoryData<string, string> Inputs()
    {
        var all = new (string Stem, string Input)[]
        {
            ("cat", "models/reference/inputs/cat_input_f32_1x3x224x224.npy"),
            ("imagenet_finch", "models/reference/inputs/imagenet_finch_input_f32_1x3x224x224.npy"),
            ("dog", "models/reference/inputs/dog_input_f32_1x3x224x224.npy"),
            ("elephants", "models/reference/inputs/elephants_input_f32_1x3x224x224.npy"),
            ("grace_hopper", "models/reference/inputs/grace_hopper_input_f32_1x3x224x224.npy"),
            ("grace_hopper_tract", "images/grace_hopper_1x3x224x224_tract.npy"),
        };
        var data = new TheoryData<string, string>();
        foreach (var (stem, input) in Emulation.IsActive ? all[..2] : all)
        {
            data.Add(stem, input);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void ZooInt8MatchesReferenceLogits(string stem, string input) =>
        CheckQuantized(TestAssets.ZooInt8, $"models/reference/outputs/{stem}__zoo_int8_logits.npy", input);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void TorchvisionQdqMatchesReferenceLogits(string stem, string input) =>
        CheckQuantized(TestAssets.TorchvisionQdq, $"models/reference/outputs/{stem}__tv_qdq_logits.npy", input);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void DerivedFloatMatchesReferenceLogits(string stem, string input)
    {
        var reference = ReadLogits($"models/reference/outputs/{stem}__dequant_fp32_logits.npy");
        var (best, isa, scalar) = Run(TestAssets.DerivedFloat, input);
        var maxAbs = reference.Max(MathF.Abs);
        var worst = MaxAbsDiff(best, reference) / maxAbs;
        output.WriteLine($"{stem} [{isa}]: max |diff| / max |logit| = {worst:E2}, top-1 {ModelParityTests.ArgMax(best)} vs {ModelParityTests.ArgMax(reference)}");
        Assert.True(worst <= 1e-3f, $"{stem}: relative error {worst} against the reference logits");
        Assert.Equal(ModelParityTests.ArgMax(reference), ModelParityTests.ArgMax(best));
        if (scalar is not null)
        {
            // Every float kernel set keeps the reference's order of operations, so the logits are the same bits.
            var vsScalar = MaxAbsDiff(best, scalar) / maxAbs;
            var same = best.Zip(scalar).Count(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
            output.WriteLine($"{stem}: {isa} vs scalar {same}/{best.Length} logits bit-identical, max |diff| / max |logit| = {vsScalar:E2}");
            Assert.True(FirstDifference(best, scalar) < 0, $"{stem}: {isa} float kernels differ from scalar ({same} of {best.Length} logits equal, relative {vsScalar})");
        }
    }

    private void CheckQuantized(string model, string referencePath, string input)
    {
        var reference = ReadLogits(referencePath);
        var step = ModelParityTests.OutputStep(model);
        var (best, isa, scalar) = Run(model, input);
        var equal = best.Zip(reference).Count(p => p.First == p.Second);
        var worst = MaxAbsDiff(best, reference);
        output.WriteLine($"{Path.GetFileName(referencePath)} [{isa}]: {equal}/{reference.Length} bit-identical, max |diff| {worst}, top-1 {ModelParityTests.ArgMax(best)} vs {ModelParityTests.ArgMax(reference)}");
        Assert.True(equal >= 0.99 * reference.Length, $"{referencePath}: only {equal} of {reference.Length} logits equal");
        Assert.True(worst <= step * 1.001f, $"{referencePath}: a logit differs by {worst}, more than one step {step}");
        Assert.Equal(ModelParityTests.ArgMax(reference), ModelParityTests.ArgMax(best));
        if (scalar is not null)
        {
            // Integer arithmetic is exact, and float convolutions left unfused follow MLAS's order in every kernel set.
            var first = FirstDifference(best, scalar);
            Assert.True(first < 0, $"{referencePath}: {isa} kernels differ from scalar at logit {first}");
        }
    }

    /// <summary>Runs the model with the kernels the engine picks for this CPU and, if those are not the scalar
    /// reference, with the scalar kernels too.</summary>
    private static (float[] Best, string Isa, float[]? Scalar) Run(string model, string input)
    {
        var x = Npy.Read(TestAssets.Require(input)).Float32!;
        float[] best;
        string isa;
        using (var engine = ManagedClassifier.LoadManaged(model, new ClassifierOptions { Engine = "managed" }))
        {
            x.CopyTo(engine.InputBuffer);
            best = engine.Run().ToArray();
            isa = engine.Kernels;
        }

        // Under emulation one input per model is compared with the scalar kernels (a scalar inference there takes
        // tens of seconds); every input is still checked against the reference logits.
        if (isa == "scalar" || (Emulation.IsActive && !input.Contains("/cat_", StringComparison.Ordinal)))
        {
            return (best, isa, null);
        }

        using var scalarEngine = ManagedClassifier.LoadManaged(model, new ClassifierOptions { Engine = "managed", Isa = "scalar" });
        x.CopyTo(scalarEngine.InputBuffer);
        return (best, isa, scalarEngine.Run().ToArray());
    }

    private static float[] ReadLogits(string relative)
    {
        var logits = Npy.Read(TestAssets.Require(relative)).Float32!;
        Assert.Equal(1000, logits.Length);
        return logits;
    }

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (p, q) => MathF.Abs(p - q)).Max();

    private static int FirstDifference(float[] a, float[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
