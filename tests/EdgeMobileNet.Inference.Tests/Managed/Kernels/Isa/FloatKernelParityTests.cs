using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// Per-ISA float convolutions against the scalar reference, bit for bit: pointwise and fully connected layers in MLAS's
/// blocked FMA order (several reduction blocks included), depthwise 3x3/5x5 at strides 1 and 2, clamps and fused
/// residuals, channel counts off the vector width.
/// </summary>
public sealed class FloatKernelParityTests
{
    public static TheoryData<string> Isas() => IsaKernels.Accelerated();

    [Theory]
    [MemberData(nameof(Isas))]
    public void PointwiseMatchesScalar(string isa)
    {
        var kernels = IsaKernels.Require(isa);
        var rng = new Random(11);
        foreach (var (hw, k, n) in new[] { (1, 1, 1), (7, 16, 96), (5, 33, 17), (13, 300, 40), (2, 1280, 1000), (12, 96, 24), (3, 7, 160) })
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
        var kernels = IsaKernels.Require(isa);
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
        var kernels = IsaKernels.Require(isa);
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

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{what}: element {i} is {actual[i]:R}, scalar gives {expected[i]:R}");
        }
    }

    private static float[] Floats(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();
}
