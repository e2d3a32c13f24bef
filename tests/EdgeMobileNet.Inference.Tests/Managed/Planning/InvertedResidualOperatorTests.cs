using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Planning;

/// <summary>
/// <see cref="InvertedResidualOperator"/> on random blocks against the three whole convolutions run one after the
/// other by the scalar reference: every strip height, several lanes, with and without expansion or projection,
/// 3x3 and 5x5, stride 1 and 2, for the reference and every ISA available here. Byte for byte.
/// </summary>
[Trait("arm", "true")]
public sealed class InvertedResidualOperatorTests
{
    public static TheoryData<string> Isas() => ["scalar", .. KernelSelector.Supported().Where(s => s != "scalar")];

    [Theory]
    [MemberData(nameof(Isas))]
    public void StripsReproduceTheWholeBlock(string isa)
    {
        var kernels = KernelSelector.Select(isa);
        var rng = new Random(5150);
        var blocks = 0;
        for (var i = 0; i < 36; i++)
        {
            var hasExpand = i % 3 != 1;
            var hasProject = i % 3 != 2;
            var k = i % 4 == 3 ? 5 : 3;
            var stride = (i / 2) % 2 == 0 ? 1 : 2;
            var (h, w) = (rng.Next(1, 14), rng.Next(1, 10));
            var inC = rng.Next(1, 24);
            var expC = hasExpand ? rng.Next(1, 70) : inC;
            var outC = rng.Next(1, 30);
            if (i % 9 == 0)
            {
                // Expansion and projection windows of the same shape: distinct layers must keep distinct steps.
                (stride, expC, outC) = (1, inC, inC);
            }

            var pad = k / 2;
            var outH = ((h + (2 * pad) - k) / stride) + 1;
            var outW = ((w + (2 * pad) - k) / stride) + 1;
            var expand = hasExpand ? Random(rng, new ConvShape(h, w, inC, h, w, expC, 1, 1, 1, 1, 0, 0, 1, 1, 1)) : null;
            var dw = Random(rng, new ConvShape(h, w, expC, outH, outW, expC, k, k, stride, stride, pad, pad, 1, 1, expC));
            var project = hasProject ? Random(rng, new ConvShape(outH, outW, expC, outH, outW, outC, 1, 1, 1, 1, 0, 0, 1, 1, 1)) : null;

            // Each step reads the previous step's output, so zero points must chain.
            dw = dw with { InputZeroPoint = expand?.OutputZeroPoint ?? dw.InputZeroPoint };
            if (project is not null)
            {
                project = project with { InputZeroPoint = dw.OutputZeroPoint };
            }

            var input = new byte[h * w * inC];
            rng.NextBytes(input);
            var expected = Reference(expand, input);
            expected = Reference(dw, expected);
            expected = Reference(project, expected);

            foreach (var (rows, lanes) in new[] { (1, 1), (2, 1), (3, 2), (rng.Next(1, outH + 1), 3), (outH, 1), (outH + 4, 2) })
            {
                var actual = RunFused(kernels, expand, dw, project, rows, lanes, input, expected.Length);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"block {i} ({h}x{w}x{inC}, expand {expC}, k{k} s{stride}, project {project?.Shape.OutC}) differs with {rows} rows per strip, {lanes} lanes");
            }

            blocks++;
        }

        Assert.Equal(36, blocks);
    }

    [Fact]
    public void RefusesAChainThatDoesNotConnect()
    {
        var rng = new Random(1);
        var dw = Random(rng, new ConvShape(8, 8, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16));
        var wrongExpand = Random(rng, new ConvShape(8, 8, 4, 8, 8, 12, 1, 1, 1, 1, 0, 0, 1, 1, 1));
        var slot = new TensorSlot("x", ElementType.UInt8, [1, 4, 8, 8], true);
        var ex = Assert.Throws<ArgumentException>(() => new InvertedResidualOperator("block", ScalarConvKernels.Instance, wrongExpand, dw, null, 2, 1, slot, slot));
        Assert.Contains("block", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] RunFused(IConvKernels kernels, QuantConvParameters? expand, QuantConvParameters dw, QuantConvParameters? project, int rows, int lanes, byte[] input, int outputLength)
    {
        var d = dw.Shape;
        var inC = expand?.Shape.InC ?? d.InC;
        var outC = project?.Shape.OutC ?? d.OutC;
        var inSlot = new TensorSlot("in", ElementType.UInt8, [1, inC, d.InH, d.InW], true);
        var outSlot = new TensorSlot("out", ElementType.UInt8, [1, outC, d.OutH, d.OutW], true);
        var op = new InvertedResidualOperator("block", kernels, expand, dw, project, rows, lanes, inSlot, outSlot);

        // Slots laid end to end, each with a guard gap the operator must not write.
        const int Guard = 64;
        long offset = 0;
        foreach (var s in op.Scratch.Prepend(outSlot).Prepend(inSlot))
        {
            s.Offset = offset;
            offset += s.ByteLength + Guard;
        }

        var arena = new Arena(offset);
        Array.Fill(arena.Memory, (byte)0xA5);
        input.CopyTo(arena.Bytes(inSlot));
        op.Run(arena);
        Assert.True(arena.Bytes(inSlot).SequenceEqual(input), "the block input was modified");
        foreach (var s in op.Scratch.Prepend(outSlot).Prepend(inSlot))
        {
            Assert.True(arena.Memory.AsSpan((int)(s.Offset + s.ByteLength), Guard).IndexOfAnyExcept((byte)0xA5) < 0, $"wrote past slot {s.Name}");
        }

        Assert.Equal(outputLength, outSlot.Length);
        return arena.Bytes(outSlot).ToArray();
    }

    private static byte[] Reference(QuantConvParameters? p, byte[] input)
    {
        if (p is null)
        {
            return input;
        }

        var output = new byte[p.Shape.OutputLength];
        ScalarConvKernels.Instance.ConvQuant(p.Shape, input, p.InputZeroPoint, p.Weights, p.Bias, p.Scales, p.OutputZeroPoint, p.Min, p.Max, new int[p.Shape.OutC], output);
        return output;
    }

    private static QuantConvParameters Random(Random rng, ConvShape shape)
    {
        var k = shape.KH * shape.KW * shape.InCPerGroup;
        var min = rng.Next(2) == 0 ? 0 : rng.Next(0, 40);
        return new QuantConvParameters(
            shape,
            Enumerable.Range(0, (int)shape.WeightLength).Select(_ => rng.Next(-128, 128)).ToArray(),
            Enumerable.Range(0, shape.OutC).Select(_ => rng.Next(-20_000, 20_000)).ToArray(),
            Enumerable.Range(0, rng.Next(2) == 0 ? 1 : shape.OutC).Select(_ => (float)(rng.Next(20, 80) / (Math.Sqrt(k) * 128 * 100))).ToArray(),
            rng.Next(256),
            rng.Next(256),
            min,
            rng.Next(min, 256));
    }
}
