namespace EdgeMobileNet.ModelBuilder.Architectures;

/// <summary>Width-multiplier rounding used by the MobileNet V2/V3 reference implementations.</summary>
internal static class Channels
{
    /// <summary>Nearest multiple of 8 (at least 8), never more than 10% below the scaled value.</summary>
    public static int MakeDivisible(double value, int divisor = 8)
    {
        var rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }
}
