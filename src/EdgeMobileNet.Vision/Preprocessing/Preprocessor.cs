using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Vision;

/// <summary>Normalisation and crop settings. Defaults: ImageNet mean/std on [0,1] pixels, resize 256 → crop 224.</summary>
public sealed record PreprocessOptions
{
    public static PreprocessOptions ImageNet { get; } = new();

    public float[] Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    public float[] Std { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Shorter side is resized to round(size × ratio) before the centre crop (256/224 by convention).</summary>
    public float ResizeRatio { get; init; } = 256f / 224f;
}

/// <summary>RGB image → a model's input tensor (resize shorter side, centre crop, normalise, layout).
/// Reuses its scratch buffers between calls, so a frame loop allocates nothing.</summary>
public sealed class Preprocessor
{
    public Preprocessor(ModelInputInfo input, PreprocessOptions options)
    {
        Input = input;
        Options = options;
    }

    public ModelInputInfo Input { get; }

    public PreprocessOptions Options { get; }

    public void Run(RgbImage image, Span<float> destination) => throw new NotImplementedException();
}
