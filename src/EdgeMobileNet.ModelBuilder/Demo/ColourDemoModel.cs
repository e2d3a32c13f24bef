namespace EdgeMobileNet.ModelBuilder.Demo;

/// <summary>
/// The palette shared by the demo's synthetic conveyor renderer and the demo model: parts are painted in one of these
/// colours on a neutral grey belt. The model classifies a frame by the dominant part colour.
/// </summary>
public static class ColourDemoPalette
{
    public static readonly (string Label, byte R, byte G, byte B) Belt = ("empty", 110, 110, 110);

    public static readonly IReadOnlyList<(string Label, byte R, byte G, byte B)> Parts =
    [
        ("red", 220, 40, 40),
        ("green", 40, 180, 60),
        ("blue", 40, 70, 220),
        ("yellow", 230, 210, 40),
    ];

    /// <summary>Class labels in model output order: "empty" then the part colours.</summary>
    public static IReadOnlyList<string> Labels { get; } = [Belt.Label, .. Parts.Select(p => p.Label)];
}

/// <summary>The demo model: MobileNetV2 topology, int8 QDQ, weights set analytically to classify by dominant colour.</summary>
public static class ColourDemoModel
{
    /// <summary>Writes the ONNX model to <paramref name="path"/> (ImageNet mean/std preprocessing, NCHW float input).</summary>
    public static void Write(string path) => throw new NotImplementedException(path);

    /// <summary>Where <c>models demo</c> writes the labels for a model at <paramref name="modelPath"/>.</summary>
    public static string LabelsPath(string modelPath) => Path.ChangeExtension(modelPath, ".labels.txt");
}
