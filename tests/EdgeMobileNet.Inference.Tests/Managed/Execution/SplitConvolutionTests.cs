using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Execution;

/// <summary>
/// Convolution operators split across a worker pool (by pixels, rows or output channels, see <see cref="ConvPart"/>)
/// write exactly the bytes of the same operator on one thread, for every ISA here, int8 and float, over shapes that
/// leave remainders: pointwise layers whose part pixel counts change MLAS's reduction block, depthwise and dense
/// 3x3/5x5 layers with padding and strides, fully connected layers over one row (channel parts) and several.
/// </summary>
[Trait("arm", "true")]
public sealed class SplitConvolutionTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var isa in KernelSelector.Supported())
        {
            data.Add(isa, 2);
            data.Add(isa, 3);
        }

        return data;
    }

    [Fact]
    public void PartsCoverTheOutputOnce()
    {
        foreach (var s in Shapes(new Random(5)))
        {
            foreach (var threads in new[] { 2, 3, 4 })
            {
                var parts = ConvPart.Split(s, threads);
                var covered = new int[s.OutputLength];
                foreach (var p in parts)
                {
                    var stride = p.IsChannelSlice(s) ? s.OutC : p.Shape.OutC;
                    var pixels = p.Shape.OutH * p.Shape.OutW;
                    Assert.Equal(pixels * p.Shape.OutC, p.OutputLength);
                    Assert.True(p.InputStart + p.InputLength <= s.InputLength, $"{s}: part input past the end");
                    for (var px = 0; px < pixels; px++)
                    {
                        for (var c = 0; c < p.Shape.OutC; c++)
                        {
                            covered[p.OutputStart + (px * stride) + c]++;
                        }
                    }
                }

                Assert.True(parts.Length <= threads);
                Assert.All(covered, n => Assert.Equal(1, n));
            }
        }
    }

    [Fact]
    public void SmallLayersStayWhole()
    {
        // 7x7x32 depthwise 3x3: 14k multiply-adds, under the threshold.
        Assert.Single(ConvPart.Split(new ConvShape(7, 7, 32, 7, 7, 32, 3, 3, 1, 1, 1, 1, 1, 1, 32), 4));

        // Big enough, but a single output row of a non-pointwise layer cannot be split by rows.
        Assert.Single(ConvPart.Split(new ConvShape(3, 64, 64, 1, 64, 64, 3, 3, 1, 1, 0, 1, 1, 1, 1), 2));
        Assert.Equal(2, ConvPart.Split(ConvShape.FullyConnected(1, 1280, 1000), 2).Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void QuantOperatorGivesTheOneThreadBytes(string isa, int threads)
    {
        var kernels = KernelSelector.Select(isa);
        using var pool = new WorkerPool(threads);
        var rng = new Random(threads * 31);
        var split = 0;
        foreach (var s in Shapes(rng))
        {
            var weights = Enumerable.Range(0, (int)s.WeightLength).Select(_ => rng.Next(-128, 128)).ToArray();
            var bias = Enumerable.Range(0, s.OutC).Select(_ => rng.Next(-30_000, 30_000)).ToArray();
            float[] scales = rng.Next(2) == 0
                ? [0.6f / (s.KH * s.KW * s.InCPerGroup * 64)]
                : Enumerable.Range(0, s.OutC).Select(_ => (0.2f + rng.NextSingle()) / (s.KH * s.KW * s.InCPerGroup * 64)).ToArray();
            var (zx, zy, min, max) = (rng.Next(256), rng.Next(256), rng.Next(40), 255 - rng.Next(40));
            var (input, output, arena) = Slots(s, ElementType.UInt8, 1);
            rng.NextBytes(arena.Bytes(input));

            var one = new QConvOperator("one", kernels, s, weights, bias, scales, zx, zy, min, max, input, output);
            var many = new QConvOperator("many", kernels, s, weights, bias, scales, zx, zy, min, max, input, output, pool);
            one.Run(arena);
            var expected = arena.Bytes(output).ToArray();
            arena.Bytes(output).Fill(0xA5);
            many.Run(arena);
            Assert.True(expected.AsSpan().SequenceEqual(arena.Bytes(output)), $"{isa} x{threads} {s}: {many.Parts} parts differ from one");
            split += many.Parts > 1 ? 1 : 0;
        }

        Assert.True(split >= 8, $"only {split} shapes were split");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FloatOperatorGivesTheOneThreadBits(string isa, int threads)
    {
        var kernels = KernelSelector.Select(isa);
        using var pool = new WorkerPool(threads);
        var rng = new Random(threads * 37);
        var split = 0;
        foreach (var s in Shapes(rng))
        {
            var weights = Enumerable.Range(0, (int)s.WeightLength).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
            var bias = Enumerable.Range(0, s.OutC).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
            var withResidual = rng.Next(2) == 0;
            var (input, output, arena) = Slots(s, ElementType.Float32, withResidual ? 2 : 1);
            var residual = withResidual ? OutputSlot(s, ElementType.Float32, output.Offset + output.ByteLength) : null;
            Fill(arena.Floats(input), rng);
            if (residual is not null)
            {
                Fill(arena.Floats(residual), rng);
            }

            var (lo, hi) = rng.Next(2) == 0 ? (0f, 6f) : (float.NegativeInfinity, float.PositiveInfinity);
            var one = new ConvOperator("one", kernels, s, weights, bias, lo, hi, input, residual, output);
            var many = new ConvOperator("many", kernels, s, weights, bias, lo, hi, input, residual, output, pool: pool);
            one.Run(arena);
            var expected = arena.Floats(output).ToArray();
            arena.Floats(output).Fill(float.NaN);
            many.Run(arena);
            var actual = arena.Floats(output).ToArray();
            Assert.True(expected.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToInt32Bits)), $"{isa} x{threads} {s}: {many.Parts} parts differ from one");
            split += many.Parts > 1 ? 1 : 0;
        }

        Assert.True(split >= 8, $"only {split} shapes were split");
    }

    /// <summary>MobileNet-like layers with remainders everywhere, plus fully connected layers.</summary>
    private static IEnumerable<ConvShape> Shapes(Random rng)
    {
        // Pointwise 7x7 x 960 -> 40 (a project layer): MLAS reduces 49 pixels in blocks of 256 channels, 25 or 17
        // pixels in blocks of 512, so parts must keep the whole layer's block.
        yield return new ConvShape(7, 7, 960, 7, 7, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        yield return new ConvShape(14, 14, 64, 14, 14, 200, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        yield return new ConvShape(9, 11, 24, 9, 11, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1);

        // Depthwise, stride 1 and 2, 3x3 and 5x5.
        yield return new ConvShape(14, 14, 72, 14, 14, 72, 3, 3, 1, 1, 1, 1, 1, 1, 72);
        yield return new ConvShape(15, 13, 40, 8, 7, 40, 3, 3, 2, 2, 1, 1, 1, 1, 40);
        yield return new ConvShape(7, 7, 120, 7, 7, 120, 5, 5, 1, 1, 2, 2, 1, 1, 120);

        // Dense: a stem-like 3x3 stride 2 and a 3x3 with odd channel counts.
        yield return new ConvShape(33, 31, 3, 17, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        yield return new ConvShape(10, 9, 7, 10, 9, 37, 3, 3, 1, 1, 1, 1, 1, 1, 1);

        // Fully connected: one row (channel parts, ragged last part) and several rows (pixel parts).
        yield return ConvShape.FullyConnected(1, 320, 1000);
        yield return ConvShape.FullyConnected(1, 96, 70);
        yield return ConvShape.FullyConnected(5, 128, 130);

        for (var i = 0; i < 4; i++)
        {
            var (h, w) = (rng.Next(4, 20), rng.Next(4, 20));
            var c = rng.Next(16, 80);
            yield return rng.Next(2) == 0
                ? new ConvShape(h, w, c, h, w, c, 3, 3, 1, 1, 1, 1, 1, 1, c)
                : new ConvShape(h, w, c, h, w, rng.Next(16, 90), 1, 1, 1, 1, 0, 0, 1, 1, 1);
        }
    }

    private static (TensorSlot Input, TensorSlot Output, Arena Arena) Slots(in ConvShape s, ElementType type, int outputs)
    {
        var size = type == ElementType.Float32 ? 4 : 1;
        var input = new TensorSlot("x", type, [1, s.InC, s.InH, s.InW], true) { Offset = 0 };
        var output = OutputSlot(s, type, input.ByteLength);
        return (input, output, new Arena(input.ByteLength + (outputs * s.OutputLength * size)));
    }

    private static TensorSlot OutputSlot(in ConvShape s, ElementType type, long offset) =>
        new("y", type, [1, s.OutC, s.OutH, s.OutW], true) { Offset = offset };

    private static void Fill(Span<float> x, Random rng)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (rng.NextSingle() * 4) - 2;
        }
    }
}
