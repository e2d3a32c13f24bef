using System.Runtime.InteropServices;
using System.Text;
using EdgeMobileNet.ModelBuilder.Architectures;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

public sealed class BuilderBehaviourTests
{
    private static ModelBuildOptions Small(MobileNetArchitecture arch = MobileNetArchitecture.MobileNetV3Small) => new()
    {
        Architecture = arch,
        Width = 0.35,
        Resolution = 64,
        Precision = ModelPrecision.Int8,
        CalibrationImages = 4,
        Seed = 7,
    };

    [Fact]
    public void Same_seed_gives_identical_bytes_and_another_seed_does_not()
    {
        var a = OnnxWriter.ToBytes(MobileNetModelBuilder.Build(Small()).Model);
        var b = OnnxWriter.ToBytes(MobileNetModelBuilder.Build(Small()).Model);
        var c = OnnxWriter.ToBytes(MobileNetModelBuilder.Build(Small() with { Seed = 8 }).Model);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    public static TheoryData<string, ModelBuildOptions> BadOptions() => new()
    {
        { "--resolution must be a multiple of 32 between 32 and 1024, got 100", Small() with { Resolution = 100 } },
        { "--resolution must be a multiple of 32 between 32 and 1024, got 0", Small() with { Resolution = 0 } },
        { "--width must be in (0, 4], got 0", Small() with { Width = 0 } },
        { "--classes must be between 1 and 100000, got 0", Small() with { Classes = 0 } },
        { "--format qoperator supports mobilenetv1 and mobilenetv2 only (V3's hard-swish and SE have no QLinear ops)", Small() with { Format = QuantFormat.QOperator } },
        { "--format qoperator needs --precision int8", Small(MobileNetArchitecture.MobileNetV2) with { Format = QuantFormat.QOperator, Precision = ModelPrecision.Float } },
        { "--calibration: folder not found: /nonexistent/calib", Small() with { CalibrationDirectory = "/nonexistent/calib" } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_arguments_give_one_line_errors(string message, ModelBuildOptions options)
    {
        var e = Assert.Throws<ModelBuildException>(() => MobileNetModelBuilder.Build(options));
        Assert.Equal(message, e.Message);
        Assert.IsAssignableFrom<EdgeMobileNet.Inference.EdgeMobileNetException>(e);
    }

    [Fact]
    public void Calibrates_from_a_folder_of_npy_tensors_and_names_a_bad_one()
    {
        var dir = TestAssets.NewTempDir();
        var r = 64;
        var images = Calibration.SyntheticImages.Generate(3, r, 99);
        for (var i = 0; i < images.Count; i++)
        {
            WriteNpy(Path.Combine(dir, $"img{i}.npy"), images[i], i == 0 ? "(1, 3, 64, 64)" : "(3, 64, 64)");
        }

        var built = MobileNetModelBuilder.Build(Small() with { CalibrationDirectory = dir });
        Assert.Equal(3, built.CalibrationImages);

        WriteNpy(Path.Combine(dir, "zz_bad.npy"), new float[3 * 32 * 32], "(1, 3, 32, 32)");
        var e = Assert.Throws<ModelBuildException>(() => MobileNetModelBuilder.Build(Small() with { CalibrationDirectory = dir }));
        Assert.Equal($"{Path.Combine(dir, "zz_bad.npy")}: shape (1,3,32,32), expected (1,3,64,64) or (3,64,64)", e.Message);
    }

    [Fact]
    public void Softmax_option_ends_in_softmax_and_classes_option_sets_the_output()
    {
        var model = MobileNetModelBuilder.Build(Small() with { Softmax = true, Classes = 10, Precision = ModelPrecision.Float }).Model;
        Assert.Equal("Softmax", model.Graph.Nodes[^1].OpType);
        Assert.Equal("output", model.Graph.Outputs.Single().Name);
        Assert.Equal([1L, 10], model.Graph.Outputs.Single().Dims!.Select(d => d.Value!.Value));
        using var ort = new OrtRunner(OnnxWriter.ToBytes(model));
        var p = ort.Run(Calibration.SyntheticImages.Generate(1, 64, 5)[0]);
        Assert.Equal(1.0, p.Sum(), 4);
    }

    private static void WriteNpy(string path, float[] data, string shape)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        header = header.PadRight(((header.Length + 11) / 64 + 1) * 64 - 11) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, .. "NUMPY"u8, 1, 0]);
        f.Write(BitConverter.GetBytes((ushort)header.Length));
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
