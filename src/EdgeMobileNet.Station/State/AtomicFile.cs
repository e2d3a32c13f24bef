using System.Text.Json;

namespace EdgeMobileNet.Station.State;

/// <summary>Small state files (saved settings, the deployed model's record) written so a crash or power cut leaves
/// the old file or the new one, never a torn one: a temporary file beside it, flushed to disk, then renamed over.</summary>
internal static class AtomicFile
{
    public static void WriteJson(string path, Action<Utf8JsonWriter> write, bool indented = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = indented }))
            {
                w.WriteStartObject();
                write(w);
                w.WriteEndObject();
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
