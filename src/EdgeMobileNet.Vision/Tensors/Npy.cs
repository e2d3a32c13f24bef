namespace EdgeMobileNet.Vision;

/// <summary>An array read from a NumPy .npy file (C order). Exactly one of the data arrays is set.</summary>
public sealed record NpyArray(int[] Shape, float[]? Float32, byte[]? UInt8);

/// <summary>NumPy .npy reader/writer for float32 and uint8 arrays.</summary>
public static class Npy
{
    /// <summary>Reads a .npy file; errors name the file and what is wrong.</summary>
    public static NpyArray Read(string path) => throw new NotImplementedException(path);

    public static void Write(string path, ReadOnlySpan<float> data, int[] shape) => throw new NotImplementedException(path);
}
