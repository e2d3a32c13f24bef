namespace EdgeMobileNet.Vision;

/// <summary>An 8-bit RGB image, interleaved RGB24, rows packed (stride = Width * 3).</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[]? pixels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        Pixels = pixels ?? new byte[checked(width * height * 3)];
        if (Pixels.Length != width * height * 3)
        {
            throw new ArgumentException($"expected {width * height * 3} bytes for {width}x{height} RGB24, got {Pixels.Length}", nameof(pixels));
        }
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    public int Stride => Width * 3;
}
