using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Cli;

/// <summary>
/// The benchmark's input: pseudo-random but identical on every run and machine (own xorshift, not System.Random,
/// whose sequence is not a documented contract), in the value range a real preprocessed image has.
/// </summary>
internal static class BenchInput
{
    public static void Fill(Span<float> destination, TensorElementKind kind, uint seed = 0x9E3779B9u)
    {
        var state = seed == 0 ? 1u : seed;
        for (var i = 0; i < destination.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            var unit = state / (float)uint.MaxValue; // [0, 1]
            destination[i] = kind == TensorElementKind.UInt8 ? MathF.Floor(unit * 255.999f) : (unit * 4f) - 2f; // ImageNet-normalised pixels span about ±2
        }
    }
}
