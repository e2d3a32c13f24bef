namespace EdgeMobileNet.ModelBuilder.Architectures;

/// <summary>The architectures the builder knows, by their command-line names.</summary>
public enum MobileNetArchitecture
{
    MobileNetV1,
    MobileNetV2,
    MobileNetV3Large,
    MobileNetV3Small,
}

public static class MobileNetArchitectureNames
{
    public static readonly IReadOnlyList<string> All = ["mobilenetv1", "mobilenetv2", "mobilenetv3-large", "mobilenetv3-small"];

    public static string Name(this MobileNetArchitecture arch) => All[(int)arch];

    public static bool TryParse(string name, out MobileNetArchitecture arch)
    {
        var index = All.ToList().IndexOf(name.ToLowerInvariant());
        arch = (MobileNetArchitecture)Math.Max(index, 0);
        return index >= 0;
    }
}
