using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>Files a user really ends up with: a JPEG cut short by a failed copy, a model ONNX Runtime loads but cannot run.</summary>
internal static class TestImages
{
    /// <summary>A folder with copies of the shared images <paramref name="names"/> and, for each name in
    /// <paramref name="truncated"/>, the first 2000 bytes of cat.jpg under that name.</summary>
    public static string Folder(string[] names, params string[] truncated)
    {
        var dir = TestAssets.NewTempDir();
        foreach (var name in names)
        {
            File.Copy(Path.Combine(TestAssets.Images, name), Path.Combine(dir, name));
        }

        var cat = File.ReadAllBytes(Path.Combine(TestAssets.Images, "cat.jpg"));
        foreach (var name in truncated)
        {
            File.WriteAllBytes(Path.Combine(dir, name), cat[..2000]);
        }

        return dir;
    }

    /// <summary>The shared int8 MobileNetV2 with the first QLinearConv's `group` set to 0: it loads, and fails when run.</summary>
    public static string ModelWithGroupZero()
    {
        var model = OnnxReader.Read(TestAssets.ZooInt8);
        var conv = model.Graph.Nodes.First(n => n.OpType == "QLinearConv");
        conv.Attributes.RemoveAll(a => a.Name == "group");
        conv.Attributes.Add(OnnxAttribute.Int("group", 0));
        var path = Path.Combine(TestAssets.NewTempDir(), "group0.onnx");
        OnnxWriter.Write(model, path);
        return path;
    }
}
