using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.ModelBuilder.Calibration;
using EdgeMobileNet.ModelBuilder.Export;
using EdgeMobileNet.ModelBuilder.Network;
using EdgeMobileNet.ModelBuilder.Reference;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

/// <summary>
/// Builds each (architecture, width, resolution) once for the test class: one calibration, then the float, QDQ u8
/// and QDQ s8 exports of the same calibrated net, plus held-out inputs (a different seed from calibration).
/// </summary>
public sealed class BuiltModels
{
    public static int CalibrationImages(int resolution) => resolution <= 128 ? 32 : 16;
    public const int HeldOutImages = 24;

    private readonly ConcurrentDictionary<(MobileNetArchitecture, double, int), Lazy<Variant>> _cache = new();

    internal Variant Get(MobileNetArchitecture arch, double width, int resolution) =>
        _cache.GetOrAdd((arch, width, resolution), key => new Lazy<Variant>(() => Create(key.Item1, key.Item2, key.Item3))).Value;

    private static Variant Create(MobileNetArchitecture arch, double width, int resolution)
    {
        var watch = Stopwatch.StartNew();
        var options = new ModelBuildOptions { Architecture = arch, Width = width, Resolution = resolution, Seed = 42 };
        var net = MobileNetModelBuilder.CreateNet(options);
        var ranges = ReferenceExecutor.Calibrate(net, SyntheticImages.Generate(CalibrationImages(resolution), resolution, 42));
        var calibration = watch.Elapsed;
        var heldOut = SyntheticImages.Generate(HeldOutImages, resolution, 1_000_003);
        return new Variant(
            net,
            OnnxWriter.ToBytes(StandardOpsExporter.Export(net, null, unsigned: true, softmax: false, keras: false)),
            OnnxWriter.ToBytes(StandardOpsExporter.Export(net, ranges, unsigned: true, softmax: false, keras: false)),
            OnnxWriter.ToBytes(StandardOpsExporter.Export(net, ranges, unsigned: false, softmax: false, keras: false)),
            heldOut,
            calibration);
    }

    internal sealed record Variant(Net Net, byte[] Float, byte[] Int8U8, byte[] Int8S8, IReadOnlyList<float[]> HeldOut, TimeSpan CalibrationTime);
}
