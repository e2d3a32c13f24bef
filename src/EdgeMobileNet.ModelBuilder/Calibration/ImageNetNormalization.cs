namespace EdgeMobileNet.ModelBuilder.Calibration;

/// <summary>The ImageNet mean/std preprocessing every model here expects (RGB in [0,1], then (x - mean) / std).</summary>
internal static class ImageNetNormalization
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];

    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];
}
