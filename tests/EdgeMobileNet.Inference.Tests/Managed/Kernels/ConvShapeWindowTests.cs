using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels;

/// <summary>
/// <see cref="ConvShape.Window"/>: any split of the output rows into windows, each run as an image of its own by a
/// kernel prepared for the window shape, reproduces the whole convolution byte for byte (the basis of threads and
/// row strips). Run for the reference and every ISA available here.
/// </summary>
[Trait("arm", "true")]
public sealed class ConvShapeWindowTests
{
    public static TheoryData<string> Isas() => ["scalar", .. KernelSelector.Supported().Where(s => s != "scalar")];

    [Theory]
    [MemberData(nameof(Isas))]
    public void WindowsReassembleTheWholeConvolution(string isa)
    {
        var kernels = KernelSelector.Select(isa);
        var rng = new Random(606);
        for (var i = 0; i < 40; i++)
        {
            var depthwise = i % 2 == 0;
            var k = i % 5 == 4 ? 1 : rng.Next(2) == 0 ? 3 : 5;
            var stride = rng.Next(1, 3);
            var pad = k / 2;
            var (h, w) = (rng.Next(1, 16), rng.Next(1, 9));
            var outH = ((h + (2 * pad) - k) / stride) + 1;
            var outW = ((w + (2 * pad) - k) / stride) + 1;
            if (outH < 1 || outW < 1)
            {
                continue;
            }

            var inC = depthwise ? rng.Next(1, 40) : rng.Next(1, 20);
            var outC = depthwise ? inC : rng.Next(1, 40);
            var shape = new ConvShape(h, w, inC, outH, outW, outC, k, k, stride, stride, pad, pad, 1, 1, depthwise ? inC : 1);
            var p = new QuantConvParameters(
                shape,
                Enumerable.Range(0, (int)shape.WeightLength).Select(_ => rng.Next(-128, 128)).ToArray(),
                Enumerable.Range(0, outC).Select(_ => rng.Next(-20_000, 20_000)).ToArray(),
                [(float)(0.5 / (Math.Sqrt(k * k * shape.InCPerGroup) * 128))],
                rng.Next(256),
                rng.Next(256),
                0,
                255);
            var input = new byte[shape.InputLength];
            rng.NextBytes(input);

            var expected = new byte[shape.OutputLength];
            ScalarConvKernels.Instance.ConvQuant(shape, input, p.InputZeroPoint, p.Weights, p.Bias, p.Scales, p.OutputZeroPoint, p.Min, p.Max, new int[outC], expected);

            var actual = new byte[shape.OutputLength];
            var rowIn = shape.InW * shape.InC;
            var rowOut = shape.OutW * shape.OutC;
            for (var first = 0; first < outH;)
            {
                var rows = Math.Min(outH - first, rng.Next(1, 4));
                var (sub, inputRow) = shape.Window(first, rows);
                Assert.True(inputRow >= 0 && inputRow + sub.InH <= shape.InH, $"case {i}: window rows {inputRow}+{sub.InH} outside {shape.InH}");
                var q = p with { Shape = sub };
                var windowIn = input.AsSpan(inputRow * rowIn, sub.InH * rowIn);
                var windowOut = actual.AsSpan(first * rowOut, rows * rowOut);
                var prepared = kernels.PrepareQuant(q);
                if (prepared is null)
                {
                    kernels.ConvQuant(sub, windowIn, q.InputZeroPoint, q.Weights, q.Bias, q.Scales, q.OutputZeroPoint, q.Min, q.Max, new int[outC], windowOut);
                }
                else
                {
                    prepared.Run(windowIn, windowOut);
                }

                first += rows;
            }

            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{isa} case {i} {shape}: windowed result differs");
        }
    }

    [Fact]
    public void WindowRejectsRowsOutsideTheOutput()
    {
        var shape = new ConvShape(8, 8, 4, 4, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => shape.Window(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => shape.Window(0, 0));
    }

    [Fact]
    public void FirstWindowKeepsThePaddingAndLaterOnesStartInside()
    {
        var shape = new ConvShape(8, 8, 4, 4, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4);
        var (top, topRow) = shape.Window(0, 2);
        Assert.Equal((0, 1, 4, 2), (topRow, top.PadTop, top.InH, top.OutH));
        var (bottom, bottomRow) = shape.Window(2, 2);
        Assert.Equal((3, 0, 5, 2), (bottomRow, bottom.PadTop, bottom.InH, bottom.OutH));
    }
}
