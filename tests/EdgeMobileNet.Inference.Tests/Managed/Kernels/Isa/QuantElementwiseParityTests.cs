using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels.Isa;

/// <summary>
/// The per-ISA QLinearAdd, QLinearMul, table lookup and QuantizeLinear kernels against the scalar reference, byte for byte: lengths around the
/// vector widths, uint8 and shifted int8 operands, random and exactly-halfway ratios, NaN, infinities, -0 and values
/// far outside the range, and ratios too large for the SIMD path.
/// </summary>
[Trait(Emulated.Emulation.Trait, "true")]
public sealed class QuantElementwiseParityTests
{
    public static TheoryData<string> Isas() => IsaKernels.Accelerated();

    [Theory]
    [MemberData(nameof(Isas))]
    public void AddMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(611);
        for (var i = 0; i < 200; i++)
        {
            var n = i < 70 ? i : rng.Next(1, 5000);
            var offset = rng.Next(2) * 128;
            var p = QuantAddParameters.Create(
                RandomScale(rng), rng.Next(256), RandomScale(rng), rng.Next(256), RandomScale(rng), rng.Next(256), offset);
            AssertAddSame(kernels, rng, n, p, $"case {i} {p}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void AddTiesAndExtremesMatchScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(612);

        // Ratios of one half put every odd sum exactly half way: round half to even must agree everywhere.
        AssertAddSame(kernels, rng, 515, QuantAddParameters.Create(0.5f, 128, 0.5f, 128, 1f, 128, 128), "halves, int8");
        AssertAddSame(kernels, rng, 515, QuantAddParameters.Create(0.5f, 0, 1.5f, 3, 1f, 0, 0), "halves, uint8");

        // Saturation on both ends.
        AssertAddSame(kernels, rng, 300, QuantAddParameters.Create(4f, 0, 4f, 0, 1f, 200, 0), "saturating high");
        AssertAddSame(kernels, rng, 300, QuantAddParameters.Create(4f, 255, 4f, 255, 1f, 0, 128), "saturating low");

        // A ratio whose products could overflow int32 takes the scalar path and must still agree.
        var huge = QuantAddParameters.Create(1e9f, 0, 1f, 0, 1f, 0, 0);
        Assert.False(huge.VectorSafe);
        AssertAddSame(kernels, rng, 100, huge, "huge ratio");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QuantizeMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(613);
        for (var i = 0; i < 200; i++)
        {
            var n = i < 70 ? i : rng.Next(1, 5000);
            var scale = RandomScale(rng) / 64;
            var zp = rng.Next(256);
            var (min, max) = rng.Next(3) == 0 ? (rng.Next(0, 128), rng.Next(128, 256)) : (0, 255);
            var x = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * 300 * scale)).ToArray();
            AssertQuantizeSame(kernels, x, scale, zp, min, max, $"case {i} scale {scale} zp {zp} [{min},{max}]");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QuantizeSpecialValuesMatchScalar(string isa)
    {
        var kernels = Require(isa);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 127.5f, 128.5f, -128.5f, 1e30f, -1e30f, float.Epsilon, 254.5f, 255.5f];
        var x = Enumerable.Range(0, 97).Select(i => specials[i % specials.Length]).ToArray();
        AssertQuantizeSame(kernels, x, 1f, 0, 0, 255, "uint8, scale 1");
        AssertQuantizeSame(kernels, x, 1f, 128, 0, 255, "int8 (shifted), scale 1");
        AssertQuantizeSame(kernels, x, 0.5f, 10, 10, 200, "scale 0.5, clamped");
        AssertQuantizeSame(kernels, x, 3f, 7, 0, 255, "scale 3 (inexact divisions)");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void MulMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(614);
        for (var i = 0; i < 200; i++)
        {
            var n = i < 70 ? i : rng.Next(1, 3000);
            var p = new QuantMulParameters(rng.Next(256), rng.Next(256), RandomScale(rng) * RandomScale(rng) / RandomScale(rng), rng.Next(256), rng.Next(2) * 128);
            AssertMulSame(kernels, rng, n, p, $"case {i} {p}");
        }

        // Halfway products (ratio 1/2), saturation at both ends, and a ratio too large for the SIMD path.
        AssertMulSame(kernels, rng, 300, new QuantMulParameters(128, 0, 0.5f, 128), "halves");
        AssertMulSame(kernels, rng, 300, new QuantMulParameters(0, 0, 0.05f, 10), "saturating");
        AssertMulSame(kernels, rng, 300, new QuantMulParameters(255, 0, 0.05f, 250), "saturating low");
        var huge = new QuantMulParameters(0, 0, 1e6f, 0);
        Assert.False(huge.VectorSafe);
        AssertMulSame(kernels, rng, 100, huge, "huge ratio");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void LookupMatchesScalar(string isa)
    {
        var kernels = Require(isa);
        var rng = new Random(615);
        var table = new byte[256];
        rng.NextBytes(table);
        foreach (var n in new[] { 0, 1, 63, 64, 65, 127, 128, 200, 4099 })
        {
            // Every index value appears (the top bit picks the table half in the SIMD path).
            var x = Enumerable.Range(0, n).Select(i => (byte)((i * 37) + rng.Next(3))).ToArray();
            var expected = x.Select(v => table[v]).ToArray();
            var actual = new byte[n];
            kernels.Lookup(x, table, actual);
            Assert.Equal(expected, actual);
        }
    }

    private static void AssertMulSame(IQuantElementwiseKernels kernels, Random rng, int n, QuantMulParameters p, string what)
    {
        var a = new byte[n];
        var b = new byte[n];
        rng.NextBytes(a);
        rng.NextBytes(b);
        var expected = new byte[n];
        ScalarQuantElementwise.Instance.Mul(a, b, p, expected);
        var actual = new byte[n];
        kernels.Mul(a, b, p, actual);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(Requantization.MulQuantized(a[i], p.ZeroA, b[i], p.ZeroB, p.Ratio, p.ZeroC, p.Offset), expected[i]);
            Assert.True(expected[i] == actual[i], $"{kernels.Name} mul {what}: element {i} ({a[i]}, {b[i]}) is {actual[i]}, scalar gives {expected[i]}");
        }
    }

    private static IQuantElementwiseKernels Require(string isa)
    {
        var kernels = IsaKernels.Require(isa).Elementwise;
        if (kernels.Name != isa)
        {
            Assert.Skip($"no {isa} elementwise kernels (falls back to {kernels.Name})");
        }

        return kernels;
    }

    private static float RandomScale(Random rng) => (float)(0.002 + (rng.NextDouble() * 0.2));

    private static void AssertAddSame(IQuantElementwiseKernels kernels, Random rng, int n, QuantAddParameters p, string what)
    {
        var a = new byte[n];
        var b = new byte[n];
        rng.NextBytes(a);
        rng.NextBytes(b);
        var expected = new byte[n];
        ScalarQuantElementwise.Instance.Add(a, b, p, expected);

        // The reference itself is one Requantization.AddQuantized per element on the unshifted values.
        for (var i = 0; i < n; i++)
        {
            var r = Requantization.AddQuantized(a[i] - p.Offset, p.RatioA, b[i] - p.Offset, p.RatioB, p.Fixed);
            Assert.Equal((byte)Math.Clamp(r + p.Offset, 0, 255), expected[i]);
        }

        var actual = new byte[n];
        kernels.Add(a, b, p, actual);
        for (var i = 0; i < n; i++)
        {
            Assert.True(expected[i] == actual[i], $"{kernels.Name} add {what}: element {i} ({a[i]}, {b[i]}) is {actual[i]}, scalar gives {expected[i]}");
        }
    }

    private static void AssertQuantizeSame(IQuantElementwiseKernels kernels, float[] x, float scale, int zp, int min, int max, string what)
    {
        var expected = new byte[x.Length];
        ScalarQuantElementwise.Instance.Quantize(x, scale, zp, min, max, expected);
        var actual = new byte[x.Length];
        kernels.Quantize(x, scale, zp, min, max, actual);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(Requantization.Quantize(x[i], scale, zp, min, max), expected[i]);
            Assert.True(expected[i] == actual[i], $"{kernels.Name} quantize {what}: element {i} ({x[i]}) is {actual[i]}, scalar gives {expected[i]}");
        }
    }
}
