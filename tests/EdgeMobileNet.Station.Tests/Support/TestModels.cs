using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Station.Tests.Support;

internal static class TestModels
{
    private static readonly Lazy<string> DemoPath = new(() =>
    {
        var path = Path.Combine(TestAssets.NewTempDir(), "colour-demo.onnx");
        ColourDemoModel.Write(path);
        return path;
    });

    /// <summary>The colour demo model, written once per test run.</summary>
    public static string Demo => DemoPath.Value;

    /// <summary>The shared ONNX Model Zoo int8 MobileNetV2 with ImageNet labels, as `--Key value` pairs: for tests
    /// about delivery rather than what the picture shows.</summary>
    public static string[] ZooArgs =>
    [
        "--Model:Path", TestAssets.ZooInt8,
        "--Model:Labels", TestAssets.Synset,
        "--Model:Engine", "ort",
    ];

    /// <summary>Settings for the demo model with its labels, as `--Key value` pairs.</summary>
    public static string[] DemoArgs =>
    [
        "--Model:Path", Demo,
        "--Model:ResizeRatio", "1",
        .. ColourDemoPalette.Labels.SelectMany((l, i) => new[] { $"--Model:LabelList:{i}", l }),
    ];
}
