namespace EdgeMobileNet.Inference;

/// <summary>How to create a classifier. Engine is "ort", "managed" or "auto".</summary>
public sealed record ClassifierOptions
{
    public string Engine { get; init; } = "auto";

    public int Threads { get; init; } = 1;

    /// <summary>Forces a kernel ISA for the managed engine ("scalar", "neon", "sdot", "avx2", "avx512"); null = best.</summary>
    public string? Isa { get; init; }
}
