using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// Every prepared per-ISA quantised kernel against the scalar reference, byte for byte: pointwise GEMMs with row and
/// channel remainders, the stem-like 3x3 stride-2 conv, fully connected rows, depthwise 3x3/5x5 at strides 1 and 2
/// with padding, zero points 0/128/other, clamped outputs, half-way ties and the -128 x -128 extreme. The ARM rows run
/// on the emulated linux-arm64 stage (no ONNX Runtime here).
/// </summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class QuantKernelParityTests
{
    public static TheoryData<string> Isas() => IsaKernels.Accelerated();

    [Theory]
    [MemberData(nameof(Isas))]
    public void PointwiseMatchesScalar(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(101);
        int[] pixels = [1, 2, 5, 6, 7, 13, 49];
        int[] inC = [1, 2, 3, 8, 15, 16, 17, 31, 32, 33, 64, 96];
        int[] outC = [1, 3, 8, 15, 16, 17, 24, 31, 32, 33, 40, 64, 100];
        for (var i = 0; i < 60; i++)
        {
            var hw = pixels[rng.Next(pixels.Length)];
            var shape = new ConvShape(1, hw, inC[rng.Next(inC.Length)], 1, hw, outC[rng.Next(outC.Length)], 1, 1, 1, 1, 0, 0, 1, 1, 1);
            AssertSame(kernels, RandomCase(rng, shape, i), $"case {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void PointwiseOverSeveralChunksMatchesScalar(string isa)
    {
        // Images large enough that the GEMM kernels centre their input in several chunks, odd and even K, block
        // widths of 16 (the narrow tile), 24, 32 and a 16-channel ragged end.
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(111);
        foreach (var (hw, k, n) in new[] { (56, 16, 16), (48, 16, 96), (40, 24, 144), (45, 15, 24), (64, 8, 40), (23, 144, 24) })
        {
            var shape = new ConvShape(hw, hw, k, hw, hw, n, 1, 1, 1, 1, 0, 0, 1, 1, 1);
            AssertSame(kernels, RandomCase(rng, shape, k), $"{hw}x{hw}x{k}->{n}");
        }

        // The stem at full size: patch gathers across every border and chunk boundary.
        AssertSame(kernels, RandomCase(rng, new ConvShape(224, 224, 3, 112, 112, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1), 1), "stem 224");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void GeneralGroupOneConvMatchesScalar(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(202);
        for (var i = 0; i < 30; i++)
        {
            var (h, w) = (rng.Next(1, 12), rng.Next(1, 12));
            var k = rng.Next(1, 4) * 2 - 1;
            var stride = rng.Next(1, 3);
            var pad = rng.Next(0, k / 2 + 1);
            var outH = ((h + (2 * pad) - k) / stride) + 1;
            var outW = ((w + (2 * pad) - k) / stride) + 1;
            if (outH < 1 || outW < 1)
            {
                continue;
            }

            var shape = new ConvShape(h, w, rng.Next(1, 6), outH, outW, rng.Next(1, 40), k, k, stride, stride, pad, pad, 1, 1, 1);
            AssertSame(kernels, RandomCase(rng, shape, i), $"case {i} {shape}");
        }

        // The MobileNet stem: 3x3, stride 2, pad 1, 3 -> 32 channels.
        AssertSame(kernels, RandomCase(rng, new ConvShape(16, 16, 3, 8, 8, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1), 1), "stem");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void FullyConnectedMatchesScalar(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(303);
        foreach (var (m, k, n) in new[] { (1, 1280, 1000), (1, 7, 5), (3, 65, 33), (1, 64, 10) })
        {
            AssertSame(kernels, RandomCase(rng, ConvShape.FullyConnected(m, k, n), m), $"fc {m}x{k}x{n}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void DepthwiseMatchesScalar(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(404);
        int[] channels = [1, 7, 8, 15, 16, 17, 24, 32, 33, 48, 96, 100];
        for (var i = 0; i < 60; i++)
        {
            var k = rng.Next(2) == 0 ? 3 : 5;
            var stride = rng.Next(1, 3);
            var pad = k / 2;
            var (h, w) = (rng.Next(1, 14), rng.Next(1, 14));
            var dil = i % 10 == 9 ? 2 : 1;
            var outH = ((h + (2 * pad) - (dil * (k - 1)) - 1) / stride) + 1;
            var outW = ((w + (2 * pad) - (dil * (k - 1)) - 1) / stride) + 1;
            if (outH < 1 || outW < 1)
            {
                continue;
            }

            var c = channels[rng.Next(channels.Length)];
            var shape = new ConvShape(h, w, c, outH, outW, c, k, k, stride, stride, pad, pad, dil, dil, c);
            AssertSame(kernels, RandomCase(rng, shape, i), $"case {i} {shape}");
        }

        // One-pixel image: every tap but the centre is padding.
        AssertSame(kernels, RandomCase(rng, new ConvShape(1, 1, 40, 1, 1, 40, 3, 3, 1, 1, 1, 1, 1, 1, 40), 0), "1x1 image");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void ExtremeOperandsAreExact(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        foreach (var shape in new[]
        {
            new ConvShape(3, 3, 64, 3, 3, 48, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvShape(5, 5, 32, 5, 5, 32, 3, 3, 1, 1, 1, 1, 1, 1, 32),
        })
        {
            // x = 0 with zero point 128 and every weight -128: each pair of products is 2 * 16384, past int16 range.
            var p = new QuantConvParameters(shape, Filled((int)shape.WeightLength, -128), new int[shape.OutC], [1f / 4096], 128, 0, 0, 255);
            AssertSame(kernels, p, new byte[shape.InputLength], $"{shape} at -128 x -128");

            // Uint8 weights centred on zero point 0 reach +255: 255 * 255 pairs, and the largest negative bias.
            var q = new QuantConvParameters(shape, Filled((int)shape.WeightLength, 255), Filled(shape.OutC, -3_000_000), [1f / 8192], 0, 0, 0, 255);
            AssertSame(kernels, q, Enumerable.Repeat((byte)255, (int)shape.InputLength).ToArray(), $"{shape} at 255 x 255");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void HalfwayTiesRoundToEven(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(505);
        var shape = new ConvShape(2, 4, 9, 2, 4, 19, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        var p = RandomCase(rng, shape, 0) with { Scales = [0.5f], Bias = new int[19], Min = 0, Max = 255, OutputZeroPoint = 128 };
        AssertSame(kernels, p, RandomBytes(rng, (int)shape.InputLength), "scale 0.5");
    }

    private static QuantConvParameters RandomCase(Random rng, ConvShape shape, int i)
    {
        int[] zeroPoints = [0, 128, 3, 77, 255];
        var weights = Enumerable.Range(0, (int)shape.WeightLength).Select(_ => i % 3 == 0 ? rng.Next(-255, 256) : rng.Next(-128, 128)).ToArray();
        var bias = Enumerable.Range(0, shape.OutC).Select(_ => rng.Next(-50_000, 50_000)).ToArray();
        var perChannel = rng.Next(2) == 0;
        var reduction = shape.KH * shape.KW * shape.InCPerGroup;
        var scales = Enumerable.Range(0, perChannel ? shape.OutC : 1).Select(_ => (float)((0.3 + rng.NextDouble()) / (Math.Sqrt(reduction) * 128))).ToArray();
        var zy = zeroPoints[rng.Next(zeroPoints.Length)];

        // Sometimes a fused ReLU6-like window, sometimes the full range.
        var (min, max) = rng.Next(3) == 0 ? (Math.Min(zy, 200), Math.Min(255, zy + 40)) : (0, 255);
        return new QuantConvParameters(shape, weights, bias, scales, zeroPoints[rng.Next(zeroPoints.Length)], zy, min, max);
    }

    private static void AssertSame(IConvKernels kernels, QuantConvParameters p, string what) =>
        AssertSame(kernels, p, RandomBytes(new Random(StableSeed(what)), (int)p.Shape.InputLength), what);

    private static void AssertSame(IConvKernels kernels, QuantConvParameters p, byte[] input, string what)
    {
        var s = p.Shape;
        var expected = new byte[s.OutputLength];
        ScalarConvKernels.Instance.ConvQuant(s, input, p.InputZeroPoint, p.Weights, p.Bias, p.Scales, p.OutputZeroPoint, p.Min, p.Max, new int[s.OutC], expected);

        var prepared = kernels.PrepareQuant(p);
        Assert.NotNull(prepared);
        var actual = new byte[s.OutputLength];
        prepared.Run(input, actual);
        for (var j = 0; j < expected.Length; j++)
        {
            Assert.True(expected[j] == actual[j], $"{kernels.Name} {what}: byte {j} (pixel {j / s.OutC}, channel {j % s.OutC}) is {actual[j]}, scalar gives {expected[j]}");
        }
    }

    // string.GetHashCode is randomised per process; a failure must reproduce with the same input bytes.
    private static int StableSeed(string what)
    {
        var h = 17;
        foreach (var ch in what)
        {
            h = unchecked((h * 31) + ch);
        }

        return h;
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static int[] Filled(int n, int v) => Enumerable.Repeat(v, n).ToArray();
}
