using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Arm;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// The ARM integer kernels (NEON, SDOT) against the scalar reference, byte for byte, where their own layouts have
/// edges: K padded to 8 (NEON) and 16 (SDOT), 16-channel blocks, 4-pixel tiles, 8/16-channel depthwise blocks, the
/// SDOT top-bit flip with its bias correction and padding fill at every zero point, and the fall-back of SDOT layers
/// whose centred weights leave int8. Runs on the emulated linux-arm64 stage; skipped (with the reason) elsewhere.
/// </summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class ArmQuantKernelTests
{
    private static readonly int[] ZeroPoints = [0, 1, 77, 128, 254, 255];

    public static TheoryData<string> Isas() => ["neon", "sdot"];

    /// <summary>Every input channel count 1..70 and every output channel count 1..70 (each with a varying partner),
    /// over 1..9 pixels: all remainders of the K padding, the channel block and the pixel tile.</summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void PointwiseChannelSweep(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(601);
        for (var c = 1; c <= 70; c++)
        {
            var pixels = 1 + (c % 9);
            var other = 1 + ((c * 37) % 70);
            Check(kernels, Case(rng, new ConvShape(1, pixels, c, 1, pixels, other, 1, 1, 1, 1, 0, 0, 1, 1, 1), c), $"in {c} out {other} px {pixels}");
            Check(kernels, Case(rng, new ConvShape(1, pixels, other, 1, pixels, c, 1, 1, 1, 1, 0, 0, 1, 1, 1), c + 1), $"in {other} out {c} px {pixels}");
        }
    }

    /// <summary>Depthwise 3x3 and 5x5, strides 1 and 2, over every channel count 1..70 (the 16-, 8- and per-channel
    /// paths and the overlapping last block), images down to one pixel.</summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void DepthwiseChannelSweep(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(602);
        for (var c = 1; c <= 70; c++)
        {
            var k = c % 2 == 0 ? 3 : 5;
            var stride = 1 + ((c / 2) % 2);
            var pad = k / 2;
            var (h, w) = (1 + (c % 7), 1 + ((c * 3) % 8));
            var outH = ((h + (2 * pad) - k) / stride) + 1;
            var outW = ((w + (2 * pad) - k) / stride) + 1;
            var shape = new ConvShape(h, w, c, outH, outW, c, k, k, stride, stride, pad, pad, 1, 1, c);
            Check(kernels, Case(rng, shape, c), $"{shape}");
        }

        // Asymmetric padding (TF "same" at stride 2) and no padding at all.
        Check(kernels, Case(rng, new ConvShape(8, 8, 24, 4, 4, 24, 3, 3, 2, 2, 0, 0, 1, 1, 24), 1), "pad 0 top/left");
        Check(kernels, Case(rng, new ConvShape(7, 7, 40, 3, 3, 40, 5, 5, 2, 2, 0, 0, 1, 1, 40), 2), "5x5 valid");
    }

    /// <summary>Stem-like convolutions at every input zero point: padding taps must contribute exactly nothing
    /// (SDOT fills them with zx - 128 and relies on the folded bias correction).</summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void PaddedGroupOneConvAtEveryZeroPoint(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(603);
        foreach (var zx in ZeroPoints)
        {
            foreach (var shape in new[]
            {
                new ConvShape(9, 9, 3, 5, 5, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                new ConvShape(5, 4, 5, 5, 4, 17, 5, 5, 1, 1, 2, 2, 1, 1, 1),
                new ConvShape(1, 1, 7, 1, 1, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            })
            {
                Check(kernels, Case(rng, shape, 1) with { InputZeroPoint = zx }, $"{shape} zx {zx}");
            }
        }
    }

    /// <summary>Operands at their extremes: int8 weights -128/127 against inputs 0/255 at every zero point (the
    /// SDOT path), and centred uint8 weights reaching -255/+255 (which SDOT layers hand to the NEON GEMM).</summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void ExtremeWeightsAndInputs(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(604);
        var shapes = new[]
        {
            new ConvShape(3, 3, 37, 3, 3, 21, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvShape(6, 6, 3, 3, 3, 18, 3, 3, 2, 2, 1, 1, 1, 1, 1),
            new ConvShape(4, 4, 33, 4, 4, 33, 3, 3, 1, 1, 1, 1, 1, 1, 33),
        };
        foreach (var shape in shapes)
        {
            foreach (var zx in ZeroPoints)
            {
                var input = Enumerable.Range(0, (int)shape.InputLength).Select(_ => (byte)(rng.Next(2) == 0 ? 0 : 255)).ToArray();
                var narrow = Enumerable.Range(0, (int)shape.WeightLength).Select(_ => rng.Next(2) == 0 ? -128 : 127).ToArray();
                var wide = Enumerable.Range(0, (int)shape.WeightLength).Select(_ => rng.Next(2) == 0 ? -255 : 255).ToArray();
                foreach (var (weights, name) in new[] { (narrow, "int8"), (wide, "uint8 centred") })
                {
                    var reduction = shape.KH * shape.KW * shape.InCPerGroup;
                    var p = new QuantConvParameters(shape, weights, Enumerable.Range(0, shape.OutC).Select(_ => rng.Next(-100_000, 100_000)).ToArray(), [1f / (reduction * 400)], zx, 128, 0, 255);
                    Check(kernels, p, input, $"{shape} {name} weights, zx {zx}");
                }
            }
        }
    }

    /// <summary>Accumulators that wrap around int32 wrap the same way in every path (the reference's int arithmetic):
    /// the SDOT bias correction may wrap, the products never do.</summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void WrappingAccumulatorsMatch(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(605);
        var shape = new ConvShape(2, 3, 40, 2, 3, 20, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        var p = Case(rng, shape, 1) with { Bias = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? int.MaxValue - i : int.MinValue + i).ToArray(), InputZeroPoint = 0 };
        Check(kernels, p, Enumerable.Repeat((byte)255, (int)shape.InputLength).ToArray(), "bias at the int32 limits");
    }

    /// <summary>Which kernel each layer gets: SDOT needs every centred weight within int8, otherwise the NEON GEMM;
    /// depthwise layers always take the NEON depthwise kernel.</summary>
    [Fact]
    public void SdotChoosesPerLayer()
    {
        var kernels = IsaKernels.Require("sdot");
        var pointwise = new ConvShape(2, 2, 16, 2, 2, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        var depthwise = new ConvShape(4, 4, 16, 4, 4, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16);
        var int8 = new QuantConvParameters(pointwise, Enumerable.Repeat(-128, 256).ToArray(), new int[16], [0.01f], 3, 0, 0, 255);
        Assert.IsType<QuantGemm<SdotQuantGemm, sbyte>>(kernels.PrepareQuant(int8));
        Assert.IsType<QuantGemm<NeonQuantGemm, short>>(kernels.PrepareQuant(int8 with { Weights = [.. Enumerable.Repeat(-128, 255), 128] }));
        Assert.IsType<QuantDepthwise<NeonQuantDepthwise, NeonRequantization>>(kernels.PrepareQuant(int8 with { Shape = depthwise, Weights = new int[144] }));
    }

    private static QuantConvParameters Case(Random rng, ConvShape shape, int i)
    {
        var weights = Enumerable.Range(0, (int)shape.WeightLength).Select(_ => i % 3 == 0 ? rng.Next(-255, 256) : rng.Next(-128, 128)).ToArray();
        var bias = Enumerable.Range(0, shape.OutC).Select(_ => rng.Next(-50_000, 50_000)).ToArray();
        var reduction = shape.KH * shape.KW * shape.InCPerGroup;
        var scales = Enumerable.Range(0, rng.Next(2) == 0 ? shape.OutC : 1).Select(_ => (float)((0.3 + rng.NextDouble()) / (Math.Sqrt(reduction) * 128))).ToArray();
        var zy = ZeroPoints[rng.Next(ZeroPoints.Length)];
        var (min, max) = rng.Next(3) == 0 ? (Math.Min(zy, 200), Math.Min(255, zy + 40)) : (0, 255);
        return new QuantConvParameters(shape, weights, bias, scales, ZeroPoints[rng.Next(ZeroPoints.Length)], zy, min, max);
    }

    private static void Check(IConvKernels kernels, QuantConvParameters p, string what)
    {
        var input = new byte[p.Shape.InputLength];
        new Random(what.Length * 7919).NextBytes(input);
        Check(kernels, p, input, what);
    }

    private static void Check(IConvKernels kernels, QuantConvParameters p, byte[] input, string what)
    {
        var s = p.Shape;
        var expected = new byte[s.OutputLength];
        ScalarConvKernels.Instance.ConvQuant(s, input, p.InputZeroPoint, p.Weights, p.Bias, p.Scales, p.OutputZeroPoint, p.Min, p.Max, new int[s.OutC], expected);
        var prepared = kernels.PrepareQuant(p);
        Assert.NotNull(prepared);

        // Poisoned output: every byte must be written.
        var actual = Enumerable.Repeat((byte)0xA5, (int)s.OutputLength).ToArray();
        prepared.Run(input, actual);
        for (var j = 0; j < expected.Length; j++)
        {
            Assert.True(expected[j] == actual[j], $"{kernels.Name} {what}: byte {j} (pixel {j / s.OutC}, channel {j % s.OutC}) is {actual[j]}, scalar gives {expected[j]}");
        }
    }
}
