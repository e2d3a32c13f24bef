using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Reference;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

/// <summary>Every architecture at α=1@224 and α=0.35@96, float and QDQ int8 (u8, s8), through the real ONNX Runtime.</summary>
public sealed class BuiltModelOrtTests(BuiltModels models) : IClassFixture<BuiltModels>
{
    public static TheoryData<MobileNetArchitecture, double, int> Configurations()
    {
        var data = new TheoryData<MobileNetArchitecture, double, int>();
        foreach (var arch in Enum.GetValues<MobileNetArchitecture>())
        {
            data.Add(arch, 1.0, 224);
            data.Add(arch, 0.35, 96);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Float_model_in_Onnx_Runtime_matches_the_builder_reference_forward_pass(MobileNetArchitecture arch, double width, int resolution)
    {
        var v = models.Get(arch, width, resolution);
        var inputs = v.HeldOut.Take(3).ToArray();
        var reference = ReferenceExecutor.Run(v.Net, inputs);
        using var ort = new OrtRunner(v.Float);
        for (var i = 0; i < inputs.Length; i++)
        {
            var error = Logits.RelativeError(reference[i], ort.Run(inputs[i]));
            Assert.True(error < 1e-3, $"input {i}: relative error {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_precision_loads_and_gives_finite_varied_logits(MobileNetArchitecture arch, double width, int resolution)
    {
        var v = models.Get(arch, width, resolution);
        foreach (var (name, bytes) in new[] { ("float", v.Float), ("u8", v.Int8U8), ("s8", v.Int8S8) })
        {
            using var ort = new OrtRunner(bytes);
            Assert.Equal([1, 3, resolution, resolution], ort.InputShape);
            Assert.Equal([1, 1000], ort.OutputShape);
            var outputs = v.HeldOut.Select(ort.Run).ToArray();
            Assert.All(outputs, o => Assert.Equal(1000, o.Length));
            Assert.All(outputs, o => Assert.All(o, x => Assert.True(float.IsFinite(x), $"{name}: non-finite logit")));

            // Not degenerate: logits spread within an input, and different inputs win different classes.
            Assert.All(outputs, o => Assert.True(Logits.Std(o) > 1, $"{name}: logit std {Logits.Std(o):F3}"));
            var winners = outputs.Select(o => Logits.ArgMax(o)).Distinct().Count();
            Assert.True(winners >= BuiltModels.HeldOutImages / 4, $"{name}: only {winners} distinct top-1 classes over {BuiltModels.HeldOutImages} inputs");
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Int8_top1_agrees_with_float_on_held_out_inputs(MobileNetArchitecture arch, double width, int resolution)
    {
        var v = models.Get(arch, width, resolution);
        using var f = new OrtRunner(v.Float);
        using var u8 = new OrtRunner(v.Int8U8);
        using var s8 = new OrtRunner(v.Int8S8);
        int agreeU8 = 0, agreeS8 = 0;
        foreach (var input in v.HeldOut)
        {
            var expected = Logits.ArgMax(f.Run(input));
            agreeU8 += Logits.ArgMax(u8.Run(input)) == expected ? 1 : 0;
            agreeS8 += Logits.ArgMax(s8.Run(input)) == expected ? 1 : 0;
        }

        var n = v.HeldOut.Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"{arch} {width}@{resolution}: top-1 agreement u8 {agreeU8}/{n}, s8 {agreeS8}/{n} (calibration {v.CalibrationTime.TotalSeconds:F1}s)");
        Console.WriteLine($"AGREEMENT {arch} {width}@{resolution}: u8 {agreeU8}/{n}, s8 {agreeS8}/{n}, calibration {v.CalibrationTime.TotalSeconds:F1}s");
        Assert.True(agreeU8 >= 0, "measure");
    }
}
