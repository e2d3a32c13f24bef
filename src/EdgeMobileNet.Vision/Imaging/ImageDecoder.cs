namespace EdgeMobileNet.Vision;

/// <summary>Decodes JPEG/PNG files into <see cref="RgbImage"/>.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes a file. Throws <see cref="Inference.EdgeMobileNetException"/> naming the file when it is
    /// missing or not a decodable image.</summary>
    public static RgbImage Decode(string path) => throw new NotImplementedException(path);
}
