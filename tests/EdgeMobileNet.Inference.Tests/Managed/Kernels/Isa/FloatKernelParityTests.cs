using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// Per-ISA float convolutions against the scalar reference, bit for bit: pointwise and fully connected layers in MLAS's
/// blocked FMA order (several reduction blocks, bias first or last, rows wider than the streamed-row scratch),
/// depthwise and group-1 convolutions over sweeps of sizes, channel counts off the vector widths, kernel sizes,
/// strides, padding and dilation, with clamps and fused residuals. One generic driver (<c>FloatKernels</c>) serves
/// AVX-512, AVX2 and NEON; the NEON rows run under qemu on the ARM stage.
/// </summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class FloatKernelParityTests
{
    public static TheoryData<string> Isas() => IsaKernels.Accelerated();

    /// <summary>The ISA's kernels; under emulation only the CPU model's default set runs (neon and sdot share the
    /// NEON float kernels, so max covers them through sdot).</summary>
    private static IConvKernels Require(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        if (Emulated.Emulation.IsActive && isa != ManagedKernels.Default)
        {
            Assert.Skip($"under emulation only this CPU model's default kernels ({ManagedKernels.Default}) are compared");
        }

        return kernels;
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void PointwiseMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(11);
        foreach (var (hw, k, n) in new[] { (1, 1, 1), (7, 16, 96), (5, 33, 17), (13, 300, 40), (2, 1280, 1000), (12, 96, 24), (3, 7, 160), (1, 9, 2053), (7, 130, 2100) })
        {
            var shape = new ConvShape(1, hw, k, 1, hw, n, 1, 1, 1, 1, 0, 0, 1, 1, 1);
            var (x, w, b, r) = (Floats(rng, hw * k), Floats(rng, k * n), Floats(rng, n), Floats(rng, hw * n));
            foreach (var residual in new[] { Array.Empty<float>(), r })
            {
                var expected = new float[hw * n];
                var actual = new float[hw * n];
                ScalarConvKernels.Instance.ConvFloat(shape, x, w, b, -0.5f, 2f, residual, expected);
                kernels.ConvFloat(shape, x, w, b, -0.5f, 2f, residual, actual);
                AssertBits(expected, actual, $"{kernels.Name} pointwise {hw}x{k}x{n} residual {residual.Length > 0}");
            }

            foreach (var strideK in new[] { 4, 16, 128 })
            {
                var expected = new float[hw * n];
                var actual = new float[hw * n];
                ScalarConvKernels.Instance.PointwiseFloatMlasOrder(shape, strideK, false, x, w, b, -1f, 1f, new float[n], expected);
                kernels.PointwiseFloatMlasOrder(shape, strideK, false, x, w, b, -1f, 1f, new float[n], actual);
                AssertBits(expected, actual, $"{kernels.Name} MLAS order {hw}x{k}x{n} strideK {strideK}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void DepthwiseMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(12);
        foreach (var (h, c, k, stride) in new[] { (1, 40, 3, 1), (9, 16, 3, 2), (8, 17, 5, 1), (11, 96, 5, 2), (6, 33, 3, 1) })
        {
            var outH = ((h + (2 * (k / 2)) - k) / stride) + 1;
            var shape = new ConvShape(h, h, c, outH, outH, c, k, k, stride, stride, k / 2, k / 2, 1, 1, c);
            var (x, w, b) = (Floats(rng, h * h * c), Floats(rng, k * k * c), Floats(rng, c));
            var r = Floats(rng, outH * outH * c);
            var expected = new float[outH * outH * c];
            var actual = new float[outH * outH * c];
            ScalarConvKernels.Instance.ConvFloat(shape, x, w, b, 0f, 6f, r, expected);
            kernels.ConvFloat(shape, x, w, b, 0f, 6f, r, actual);
            AssertBits(expected, actual, $"{kernels.Name} depthwise {shape}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void GroupOneConvMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(13);
        foreach (var (h, cin, cout, k, stride) in new[] { (16, 3, 32, 3, 2), (7, 5, 20, 3, 1), (9, 8, 16, 5, 2), (1, 4, 17, 3, 1) })
        {
            var pad = k / 2;
            var outH = ((h + (2 * pad) - k) / stride) + 1;
            var shape = new ConvShape(h, h, cin, outH, outH, cout, k, k, stride, stride, pad, pad, 1, 1, 1);
            var (x, w, b, r) = (Floats(rng, h * h * cin), Floats(rng, k * k * cin * cout), Floats(rng, cout), Floats(rng, outH * outH * cout));
            var expected = new float[outH * outH * cout];
            var actual = new float[outH * outH * cout];
            ScalarConvKernels.Instance.ConvFloat(shape, x, w, b, -1f, 6f, r, expected);
            kernels.ConvFloat(shape, x, w, b, -1f, 6f, r, actual);
            AssertBits(expected, actual, $"{kernels.Name} conv {shape}");
        }
    }

    /// <summary>
    /// Pointwise/fully connected shapes around the tiles: every row remainder of the 6-row tile, channel counts either
    /// side of one, two and four vectors of 8 and 16 lanes (overlapping last panels, the narrow path), one or several
    /// reduction blocks, the bias as the Gemm starting value or added last, clamps and a fused residual.
    /// </summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void PointwiseSweepMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(14);
        foreach (var m in new[] { 1, 2, 5, 6, 7, 11, 12, 13 })
        {
            foreach (var n in new[] { 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 47, 64, 65, 100 })
            {
                foreach (var k in new[] { 1, 3, 17, 40 })
                {
                    var shape = ConvShape.FullyConnected(m, k, n);
                    var (x, w, b, r) = (Floats(rng, m * k), Floats(rng, k * n), Floats(rng, n), Floats(rng, m * n));
                    var (lo, hi) = ((m + n) % 3) switch { 0 => (float.NegativeInfinity, float.PositiveInfinity), 1 => (0f, 6f), _ => (-0.5f, 0.75f) };
                    foreach (var strideK in new[] { 4, 16, QuantGemmPacking.MlasStrideK(m, k) })
                    {
                        foreach (var biasFirst in new[] { false, true })
                        {
                            var expected = new float[m * n];
                            var actual = new float[m * n];
                            ScalarConvKernels.Instance.PointwiseFloatMlasOrder(shape, strideK, biasFirst, x, w, b, lo, hi, new float[n], expected);
                            kernels.PointwiseFloatMlasOrder(shape, strideK, biasFirst, x, w, b, lo, hi, new float[n], actual);
                            AssertBits(expected, actual, $"{kernels.Name} MLAS order m {m} k {k} n {n} strideK {strideK} biasFirst {biasFirst}");
                        }
                    }

                    var convExpected = new float[m * n];
                    var convActual = new float[m * n];
                    var residual = n % 2 == 0 ? r : [];
                    ScalarConvKernels.Instance.ConvFloat(shape, x, w, b, lo, hi, residual, convExpected);
                    kernels.ConvFloat(shape, x, w, b, lo, hi, residual, convActual);
                    AssertBits(convExpected, convActual, $"{kernels.Name} pointwise m {m} k {k} n {n} residual {residual.Length > 0}");
                }
            }
        }
    }

    /// <summary>
    /// Depthwise shapes: one-pixel and one-row images, widths that leave pixels outside the four-pixel groups, channels
    /// either side of 8 and 16 lanes, 3x3, 5x5 and 1x3 kernels, strides 1 and 2, no, one and two pixels of padding,
    /// dilation 2 (padding larger than the image included).
    /// </summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void DepthwiseSweepMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(15);
        var cases = 0;
        foreach (var (h, wd) in new[] { (1, 1), (1, 9), (5, 1), (6, 13), (9, 10) })
        {
            foreach (var c in new[] { 3, 8, 9, 16, 17, 33, 40 })
            {
                foreach (var (kh, kw) in new[] { (3, 3), (5, 5), (1, 3) })
                {
                    foreach (var (stride, pad, dilation) in new[] { (1, 1, 1), (2, 1, 1), (1, 0, 1), (2, 2, 1), (1, 2, 2), (2, 0, 2) })
                    {
                        var shape = Shape(h, wd, c, c, kh, kw, stride, pad, dilation, c);
                        if (shape is not { } sh)
                        {
                            continue;
                        }

                        var (x, w, b) = (Floats(rng, h * wd * c), Floats(rng, kh * kw * c), Floats(rng, c));
                        var residual = cases % 2 == 0 ? Floats(rng, (int)sh.OutputLength) : [];
                        var (lo, hi) = cases % 3 == 0 ? (0f, 6f) : (float.NegativeInfinity, float.PositiveInfinity);
                        var expected = new float[sh.OutputLength];
                        var actual = new float[sh.OutputLength];
                        ScalarConvKernels.Instance.ConvFloat(sh, x, w, b, lo, hi, residual, expected);
                        kernels.ConvFloat(sh, x, w, b, lo, hi, residual, actual);
                        AssertBits(expected, actual, $"{kernels.Name} depthwise {sh}");
                        cases++;
                    }
                }
            }
        }

        Assert.True(cases > 400, $"only {cases} depthwise shapes were valid");
    }

    /// <summary>
    /// Group-1 convolutions (the stem and any other non-pointwise dense conv): input channels below, at and above the
    /// four-channel step, output channels either side of 8 and 16 lanes, square and 1x3 kernels, strides, padding,
    /// dilation and one-pixel images; 1x1 convolutions with stride or padding (not the pointwise path) included.
    /// </summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void GroupOneSweepMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(16);
        var cases = 0;
        foreach (var (h, wd) in new[] { (1, 1), (5, 7), (9, 8) })
        {
            foreach (var cin in new[] { 1, 3, 4, 5, 8 })
            {
                foreach (var cout in new[] { 8, 9, 16, 17, 33 })
                {
                    foreach (var (kh, kw, stride, pad, dilation) in new[] { (3, 3, 2, 1, 1), (3, 3, 1, 1, 1), (3, 3, 1, 0, 2), (1, 3, 2, 0, 1), (1, 1, 2, 0, 1), (1, 1, 1, 1, 1) })
                    {
                        var shape = Shape(h, wd, cin, cout, kh, kw, stride, pad, dilation, 1);
                        if (shape is not { } sh)
                        {
                            continue;
                        }

                        var (x, w, b) = (Floats(rng, h * wd * cin), Floats(rng, kh * kw * cin * cout), Floats(rng, cout));
                        var residual = cases % 2 == 1 ? Floats(rng, (int)sh.OutputLength) : [];
                        var (lo, hi) = cases % 3 == 0 ? (-1f, 6f) : (float.NegativeInfinity, float.PositiveInfinity);
                        var expected = new float[sh.OutputLength];
                        var actual = new float[sh.OutputLength];
                        ScalarConvKernels.Instance.ConvFloat(sh, x, w, b, lo, hi, residual, expected);
                        kernels.ConvFloat(sh, x, w, b, lo, hi, residual, actual);
                        AssertBits(expected, actual, $"{kernels.Name} conv {sh}");
                        cases++;
                    }
                }
            }
        }

        Assert.True(cases > 300, $"only {cases} group-1 shapes were valid");
    }

    /// <summary>A convolution with symmetric padding, or null when the kernel does not fit.</summary>
    private static ConvShape? Shape(int h, int w, int cin, int cout, int kh, int kw, int stride, int pad, int dilation, int groups)
    {
        var outH = ((h + (2 * pad) - (((kh - 1) * dilation) + 1)) / stride) + 1;
        var outW = ((w + (2 * pad) - (((kw - 1) * dilation) + 1)) / stride) + 1;
        return h + (2 * pad) < ((kh - 1) * dilation) + 1 || w + (2 * pad) < ((kw - 1) * dilation) + 1 || outH < 1 || outW < 1
            ? null
            : new ConvShape(h, w, cin, outH, outW, cout, kh, kw, stride, stride, pad, pad, dilation, dilation, groups);
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{what}: element {i} is {actual[i]:R}, scalar gives {expected[i]:R}");
        }
    }

    private static float[] Floats(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
}
