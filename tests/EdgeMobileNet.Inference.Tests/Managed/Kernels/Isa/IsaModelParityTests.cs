using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// Whole models per ISA: the three shared models on the reference inputs give logits bit-identical to the scalar
/// kernels (which <see cref="ModelParityTests"/> ties to ONNX Runtime). No ONNX Runtime is loaded, so on a real ARM
/// board the neon and sdot rows run in full. Under emulation they do not repeat what
/// <see cref="Emulated.ReferenceOutputTests"/> already checks there: the kernels the engine picks on each emulated CPU
/// model (neon on cortex-a53 and cortex-a72, sdot on max, pinned by the stage's expected ISA) against the scalar
/// kernels, bit for bit, on the same three models; a scalar inference under qemu costs tens of seconds.
/// </summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class IsaModelParityTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var isa in IsaKernels.Accelerated())
        {
            foreach (var model in new[] { "zoo-int8", "torchvision-qdq", "derived-float" })
            {
                data.Add(isa.Data, model);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsEqualScalar(string isa, string model)
    {
        IsaKernels.Require(isa);
        if (Emulated.Emulation.IsActive)
        {
            Assert.Skip("under emulation ReferenceOutputTests compares this CPU model's kernels with scalar on these models");
        }

        var path = model switch
        {
            "zoo-int8" => TestAssets.ZooInt8,
            "torchvision-qdq" => TestAssets.TorchvisionQdq,
            _ => TestAssets.DerivedFloat,
        };
        using var scalar = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed", Isa = "scalar" });
        using var fast = ManagedClassifier.LoadManaged(path, new ClassifierOptions { Engine = "managed", Isa = isa });
        Assert.Equal(isa, fast.Kernels);
        foreach (var name in new[] { "cat", "dog", "elephants", "grace_hopper", "imagenet_finch" })
        {
            var x = Npy.Read(TestAssets.Require($"models/reference/inputs/{name}_input_f32_1x3x224x224.npy")).Float32!;
            x.CopyTo(scalar.InputBuffer);
            x.CopyTo(fast.InputBuffer);
            var expected = scalar.Run().ToArray();
            var actual = fast.Run().ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                    $"{model} {name} on {isa}: logit {i} is {actual[i]:R}, scalar gives {expected[i]:R}");
            }
        }
    }
}
