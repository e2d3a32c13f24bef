namespace EdgeMobileNet.Training;

/// <summary>Adam on one parameter array (bias-corrected first and second moments).</summary>
internal sealed class Adam
{
    private readonly float[] _m;
    private readonly float[] _v;
    private int _t;

    public Adam(int length)
    {
        _m = new float[length];
        _v = new float[length];
    }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float rate)
    {
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        _t++;
        var c1 = 1f - MathF.Pow(b1, _t);
        var c2 = 1f - MathF.Pow(b2, _t);
        for (var i = 0; i < parameters.Length; i++)
        {
            _m[i] = (b1 * _m[i]) + ((1 - b1) * gradient[i]);
            _v[i] = (b2 * _v[i]) + ((1 - b2) * gradient[i] * gradient[i]);
            parameters[i] -= rate * (_m[i] / c1) / (MathF.Sqrt(_v[i] / c2) + eps);
        }
    }
}

/// <summary>Settings of one training run (what cross-validation and the final fit share).</summary>
public sealed record TrainerSettings
{
    /// <summary>L2 penalty candidates of the linear head on standardised features; cross-validation picks one.</summary>
    public float[] Lambdas { get; init; } = [1e-3f, 1e-2f, 1e-1f];

    public int HeadIterations { get; init; } = 200;

    /// <summary>Passes over the training images when fine-tuning the last convolution (0: frozen convolution).</summary>
    public int Epochs { get; init; } = 4;

    public int BatchSize { get; init; } = 32;

    public float ConvRate { get; init; } = 5e-5f;

    public float HeadRate { get; init; } = 2e-3f;

    /// <summary>Pull of the fine-tuned convolution towards its trained weights (L2 on the change).</summary>
    public float ConvDecay { get; init; } = 1e-3f;

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = 1;
}
