using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels;

/// <summary>Hand-worked cases of the quantisation arithmetic (values chosen so each float step is exact).</summary>
[Trait("arm", "true")]
public sealed class RequantizationTests
{
    [Theory]
    [InlineData(5, 0.5f, 0, 2)] // 2.5 rounds to even 2
    [InlineData(7, 0.5f, 0, 4)] // 3.5 rounds to even 4
    [InlineData(-5, 0.5f, 10, 8)] // -2.5 -> -2, + 10
    [InlineData(-3, 0.5f, 10, 8)] // -1.5 -> -2, + 10
    [InlineData(1000, 1f, 0, 255)] // saturates high
    [InlineData(-1000, 1f, 128, 0)] // saturates low
    [InlineData(100, 0.25f, 200, 225)]
    public void RequantizeRoundsHalfToEvenThenAddsZeroPoint(int acc, float scale, int zp, int expected) =>
        Assert.Equal(expected, Requantization.Requantize(acc, scale, zp, 0, 255));

    [Fact]
    public void RequantizeClampsToFoldedActivationRange() =>
        Assert.Equal(150, Requantization.Requantize(1000, 1f, 100, 100, 150));

    [Theory]
    [InlineData(0.75f, 0.5f, 0, 2)] // 1.5 -> 2
    [InlineData(1.25f, 0.5f, 0, 2)] // 2.5 -> 2
    [InlineData(-0.25f, 0.5f, 3, 3)] // -0.5 -> -0 -> 3
    [InlineData(float.NaN, 0.5f, 7, 7)]
    [InlineData(float.PositiveInfinity, 0.5f, 7, 255)]
    public void QuantizeDividesAndRoundsHalfToEven(float x, float scale, int zp, int expected) =>
        Assert.Equal(expected, Requantization.Quantize(x, scale, zp, 0, 255));

    [Fact]
    public void CombinedScaleIsProductThenQuotientInFloat()
    {
        float xs = 0.0123f, ws = 0.00457f, ys = 0.0311f;
        var expected = (float)((float)(xs * ws) / ys);
        Assert.Equal(expected, Requantization.CombinedScale(xs, ws, ys));
    }

    [Fact]
    public void QLinearAddIsTwoFusedMultiplyAddsOnAFixedPart()
    {
        // rA = 0.5 / 0.5 = 1, rB = 0.25 / 0.5 = 0.5, fixed = 100 - (1 * 128 + 0.5 * 0) = -28
        var fixedPart = Requantization.AddFixedPart(1f, 128, 0.5f, 0, 100);
        Assert.Equal(-28f, fixedPart);
        Assert.Equal(117, Requantization.AddQuantized(140, 1f, 10, 0.5f, fixedPart)); // 140 + 5 - 28
        Assert.Equal(118, Requantization.AddQuantized(140, 1f, 11, 0.5f, fixedPart)); // 117.5 rounds to even 118
        Assert.Equal(118, Requantization.AddQuantized(141, 1f, 9, 0.5f, fixedPart)); // 117.5 again
    }

    [Fact]
    public void QLinearMulUsesTheIntegerProductTimesTheScaleRatio()
    {
        // (3 - 1) * (5 - 2) = 6, ratio 0.25 -> 1.5 -> 2, + zp 10
        Assert.Equal(12, Requantization.MulQuantized(3, 1, 5, 2, 0.25f, 10, 0));

        // The zero point is added in float before rounding: 0.5 + 11 = 11.5 -> 12 (rounding first would give 11).
        Assert.Equal(12, Requantization.MulQuantized(2, 0, 1, 0, 0.25f, 11, 0));

        // Int8 tensors are stored +128; ORT adds its own (signed) zero point: 0.5 - 71 = -70.5 -> -70, stored 58.
        Assert.Equal(58, Requantization.MulQuantized(130, 128, 129, 128, 0.25f, 128 - 71, 128));

        // Saturation to the stored type's range.
        Assert.Equal(255, Requantization.MulQuantized(255, 0, 255, 0, 1f, 0, 0));
        Assert.Equal(0, Requantization.MulQuantized(0, 255, 255, 0, 1f, 128 - 100, 128));
    }
}
