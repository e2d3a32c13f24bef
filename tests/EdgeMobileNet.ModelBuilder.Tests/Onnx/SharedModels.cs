using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.ModelBuilder.Tests.Onnx;

/// <summary>The real ONNX files under ../shared/models used to exercise the reader and writer.</summary>
internal static class SharedModels
{
    public static TheoryData<string> Names =>
    [
        "mobilenetv2-12-int8.onnx",
        "mobilenet_v2_torchvision_qdq_s8s8_randcalib.onnx",
        "DERIVED_mobilenetv2-12-int8-dequantized_fp32.onnx",
    ];

    public static string Path(string name) => TestAssets.Require("models/" + name);

    /// <summary>The float32 payload of a little-endian .npy file (header skipped; shape taken on trust).</summary>
    public static float[] ReadNpyFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var major = bytes[6];
        var headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        var offset = (major == 1 ? 10 : 12) + headerLength;
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(offset)).ToArray();
    }
}
