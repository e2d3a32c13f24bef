namespace EdgeMobileNet.ModelBuilder.Network;

/// <summary>The activations MobileNets use after a convolution.</summary>
internal enum Activation
{
    None,
    Relu,
    Relu6,
    HardSwish,
    HardSigmoid,
}

internal static class ActivationFunctions
{
    public static float Apply(Activation activation, float x) => activation switch
    {
        Activation.None => x,
        Activation.Relu => x > 0 ? x : 0,
        Activation.Relu6 => x < 0 ? 0 : x > 6 ? 6 : x,
        Activation.HardSwish => x * HardSigmoid(x),
        Activation.HardSigmoid => HardSigmoid(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    // ONNX HardSigmoid with alpha = 1/6, beta = 0.5, which is also what HardSwish uses internally.
    private static float HardSigmoid(float x) => Math.Clamp(x / 6f + 0.5f, 0f, 1f);
}
