namespace EdgeMobileNet.Vision;

/// <summary>
/// Where a source image lands in the "resize shorter side, then centre crop" pipeline. Mirrors the Python
/// reference: the longer side is <c>int(S × long / short)</c> (truncated) and the crop offset is
/// <c>round((len − crop) / 2)</c> with round-half-to-even, so an odd margin puts the extra pixel at the end.
/// </summary>
/// <param name="ResizedWidth">Width of the full resized image (before cropping).</param>
/// <param name="ResizedHeight">Height of the full resized image.</param>
/// <param name="CropX">Left edge of the crop in resized coordinates.</param>
/// <param name="CropY">Top edge of the crop in resized coordinates.</param>
/// <param name="CropWidth">Crop width (the model's W).</param>
/// <param name="CropHeight">Crop height (the model's H).</param>
public readonly record struct ResizeGeometry(int ResizedWidth, int ResizedHeight, int CropX, int CropY, int CropWidth, int CropHeight)
{
    /// <summary>Resizes the shorter side of a <paramref name="sourceWidth"/>×<paramref name="sourceHeight"/> image to
    /// <paramref name="shortSide"/> and centres a <paramref name="cropWidth"/>×<paramref name="cropHeight"/> crop.</summary>
    public static ResizeGeometry For(int sourceWidth, int sourceHeight, int shortSide, int cropWidth, int cropHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shortSide);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cropWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cropHeight);

        int width, height;
        if (sourceWidth <= sourceHeight)
        {
            width = shortSide;
            height = LongSide(shortSide, sourceHeight, sourceWidth);
        }
        else
        {
            height = shortSide;
            width = LongSide(shortSide, sourceWidth, sourceHeight);
        }

        if (cropWidth > width || cropHeight > height)
        {
            throw new ArgumentException($"a {cropWidth}x{cropHeight} crop does not fit in the {width}x{height} resized image");
        }

        return new ResizeGeometry(width, height, CentreOffset(width, cropWidth), CentreOffset(height, cropHeight), cropWidth, cropHeight);
    }

    /// <summary>The shorter side for a crop: <c>round(size × ratio)</c>, half to even, where size is the larger crop
    /// dimension so that the crop always fits.</summary>
    public static int ShortSideFor(int cropWidth, int cropHeight, float resizeRatio) =>
        checked((int)Math.Round(Math.Max(cropWidth, cropHeight) * (double)resizeRatio, MidpointRounding.ToEven));

    // Python: int(S * long / short); the product is exact and one IEEE division matches Python's true division.
    private static int LongSide(int shortSide, int sourceLong, int sourceShort) =>
        checked((int)((double)((long)shortSide * sourceLong) / sourceShort));

    private static int CentreOffset(int length, int crop) => (int)Math.Round((length - crop) / 2.0, MidpointRounding.ToEven);
}
