using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>Model files for deployment tests, made from the real shared models.</summary>
internal static class ModelFiles
{
    /// <summary>A copy of <paramref name="source"/> carrying <paramref name="labels"/> in its metadata, as `train`
    /// writes them: a <c>metadata_props</c> entry appended to the ModelProto bytes (a repeated protobuf field may come
    /// anywhere), so the graph and weights are the original's byte for byte.</summary>
    public static string WithLabels(string source, string folder, string name, IReadOnlyList<string> labels, string? preprocessing = null)
    {
        var entries = new List<(string, string)> { (ModelMetadata.LabelsKey, JsonSerializer.Serialize(labels.ToArray(), LabelsJson.Default.StringArray)) };
        if (preprocessing is not null)
        {
            entries.Add((ModelMetadata.PreprocessingKey, preprocessing));
        }

        return WithMetadata(source, folder, name, entries);
    }

    /// <summary>A copy of <paramref name="source"/> with <c>metadata_props</c> entries appended.</summary>
    public static string WithMetadata(string source, string folder, string name, IEnumerable<(string Key, string Value)> entries)
    {
        var bytes = new MemoryStream();
        bytes.Write(File.ReadAllBytes(source));
        foreach (var (key, value) in entries)
        {
            var entry = new MemoryStream();
            Field(entry, 1, Encoding.UTF8.GetBytes(key));
            Field(entry, 2, Encoding.UTF8.GetBytes(value));
            Field(bytes, 14, entry.ToArray()); // ModelProto.metadata_props
        }

        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }

    /// <summary>The first <paramref name="length"/> bytes of a model: a truncated download.</summary>
    public static string Truncated(string source, string folder, int length)
    {
        var path = Path.Combine(folder, "truncated.onnx");
        File.WriteAllBytes(path, File.ReadAllBytes(source)[..length]);
        return path;
    }

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static void Field(Stream s, int number, byte[] payload)
    {
        Varint(s, (ulong)((number << 3) | 2));
        Varint(s, (ulong)payload.Length);
        s.Write(payload);
    }

    private static void Varint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }

        s.WriteByte((byte)v);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class LabelsJson : System.Text.Json.Serialization.JsonSerializerContext;
