using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Emulated;

/// <summary>
/// Reports what the runtime sees of the CPU and which kernels the engine picks, and checks that an emulated run really
/// gets the CPU it asked for: the whole point of three qemu CPU models is that they differ in AdvSimd/Dp.
/// </summary>
[Trait(Emulation.Trait, "true")]
public sealed class CpuFeatureTests(ITestOutputHelper output)
{
    [Fact]
    public void EngineChoosesKernelsTheCpuSupports()
    {
        using var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" });
        output.WriteLine($"cpu: {Emulation.CpuModel ?? "native"}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, features: {Features()}");
        output.WriteLine($"isa: {engine.Kernels}");

        // An ISA that needs an instruction set the CPU lacks would fault on the first run (or silently fall back).
        var supported = engine.Kernels switch
        {
            "scalar" => true,
            "neon" => AdvSimd.Arm64.IsSupported,
            "sdot" => Dp.IsSupported,
            "avx2" => Avx2.IsSupported,
            "avx512" => Avx512BW.IsSupported,
            var other => throw new Xunit.Sdk.XunitException($"unexpected kernel name '{other}'"),
        };
        Assert.True(supported, $"kernels '{engine.Kernels}' chosen on a CPU without that ISA ({Features()})");
    }

    /// <summary>The kernels the engine should pick on this CPU model, as the CI stage states them
    /// (EDGEMOBILENET_EXPECT_ISA): a kernel set that silently stops being chosen must fail, not just run slower.</summary>
    [Fact]
    public void EngineChoosesTheExpectedKernels()
    {
        if (Environment.GetEnvironmentVariable("EDGEMOBILENET_EXPECT_ISA") is not { Length: > 0 } expected)
        {
            Assert.Skip("no expectation given (EDGEMOBILENET_EXPECT_ISA unset)");
            return;
        }

        using var engine = ManagedClassifier.LoadManaged(TestAssets.ZooInt8, new ClassifierOptions { Engine = "managed" });
        Assert.True(
            expected == engine.Kernels,
            $"EDGEMOBILENET_EXPECT_ISA={expected}, but the engine chose '{engine.Kernels}' on {Emulation.CpuModel ?? "this CPU"} ({Features()})");
    }

    /// <summary>What qemu's CPU models expose (checked with the .NET runtime under qemu 7.2): cortex-a53 and cortex-a72
    /// are ARMv8.0 with AdvSimd and no dot product; max has every extension qemu implements, SDOT included.</summary>
    [Fact]
    public void EmulatedCpuHasTheExpectedExtensions()
    {
        var cpu = Emulation.CpuModel;
        if (cpu is null)
        {
            Assert.Skip("not under emulation (EDGEMOBILENET_EMULATED_CPU unset)");
        }

        output.WriteLine($"cpu: {cpu}, features: {Features()}");
        Assert.True(AdvSimd.Arm64.IsSupported, $"{cpu}: AdvSimd (NEON) missing");
        switch (cpu)
        {
            case "cortex-a53" or "cortex-a72":
                Assert.False(Dp.IsSupported, $"{cpu}: dot product reported, but this core has none");
                break;
            case "max" or "cortex-a76":
                Assert.True(Dp.IsSupported, $"{cpu}: dot product missing");
                break;
            default:
                throw new Xunit.Sdk.XunitException($"EDGEMOBILENET_EMULATED_CPU={cpu}: no expectations for this CPU model");
        }
    }

    internal static string Features()
    {
        var names = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported)
            {
                names.Add(name);
            }
        }

        Add(AdvSimd.IsSupported, "AdvSimd");
        Add(AdvSimd.Arm64.IsSupported, "AdvSimd.Arm64");
        Add(Dp.IsSupported, "Dp");
        Add(Rdm.IsSupported, "Rdm");
        Add(Crc32.IsSupported, "Crc32");
        Add(System.Runtime.Intrinsics.Arm.Aes.IsSupported, "Aes");
        Add(Avx2.IsSupported, "Avx2");
        Add(Fma.IsSupported, "Fma");
        Add(Avx512BW.IsSupported, "Avx512BW");
        Add(AvxVnni.IsSupported, "AvxVnni");
        return names.Count == 0 ? "none" : string.Join(' ', names);
    }
}
