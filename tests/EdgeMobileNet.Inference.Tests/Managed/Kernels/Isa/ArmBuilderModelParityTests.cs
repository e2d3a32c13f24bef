using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.ModelBuilder;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// Whole builder-made models on the ARM kernels against the scalar kernels, logits bit for bit: MobileNetV3-Small
/// (squeeze-excite, 5x5 depthwise, hard-swish) in QDQ form, and MobileNetV2 in QOperator form (uint8 weights with zero
/// points, the layers SDOT may hand to the NEON GEMM) and with int8 activations. Small widths and resolutions keep
/// them affordable under emulation, where each CPU model compares only the kernels it picks, on one input; no ONNX Runtime (<see cref="BuilderModelParityTests"/> ties scalar to it).
/// </summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class ArmBuilderModelParityTests
{
    private static readonly Dictionary<string, ModelBuildOptions> Variants = new()
    {
        ["v3-small-0.75-96-qdq-u8"] = Options(MobileNetArchitecture.MobileNetV3Small, 0.75, 96) with { Precision = ModelPrecision.Int8 },
        ["v2-0.35-96-qoperator-u8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Precision = ModelPrecision.Int8, Format = QuantFormat.QOperator },
        ["v2-0.35-96-qdq-s8"] = Options(MobileNetArchitecture.MobileNetV2, 0.35, 96) with { Precision = ModelPrecision.Int8, UnsignedActivations = false },
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var isa in new[] { "neon", "sdot" })
        {
            foreach (var variant in Variants.Keys)
            {
                data.Add(isa, variant);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsEqualScalar(string isa, string variant)
    {
        IsaKernels.Require(isa);
        if (Emulated.Emulation.IsActive && isa != ManagedKernels.Default)
        {
            // Each emulated CPU model runs the rows of the kernels it picks: neon on cortex-a53/a72, sdot on max.
            Assert.Skip($"under emulation only this CPU model's default kernels ({ManagedKernels.Default}) are compared");
        }

        var path = Path.Combine(TestAssets.NewTempDir(), "model.onnx");
        OnnxWriter.Write(MobileNetModelBuilder.Build(Variants[variant]).Model, path);
        using var scalar = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed", Isa = "scalar" });
        using var fast = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed", Isa = isa });
        Assert.Equal(isa, fast.Kernels);
        var rng = new Random(variant.Length);
        for (var run = 0; run < (Emulated.Emulation.IsActive ? 1 : 2); run++)
        {
            var x = new float[scalar.Input.ElementCount];
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = (rng.NextSingle() * 4) - 2;
            }

            x.CopyTo(scalar.InputBuffer);
            x.CopyTo(fast.InputBuffer);
            var expected = scalar.Run().ToArray();
            var actual = fast.Run().ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                    $"{variant} run {run} on {isa}: logit {i} is {actual[i]:R}, scalar gives {expected[i]:R}");
            }
        }
    }

    private static ModelBuildOptions Options(MobileNetArchitecture arch, double width, int resolution) =>
        new() { Architecture = arch, Width = width, Resolution = resolution, Seed = 11, CalibrationImages = 2 };
}
