using EdgeMobileNet.Station.State;
using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeMobileNet.Station.Models;

/// <summary>
/// The deployed models under <c>&lt;state directory&gt;/models/</c>: each deployed file is kept as
/// <c>&lt;sha256&gt;.onnx</c> (downloads land there; a local file is copied, so a later overwrite of the original
/// cannot change what runs), and <c>active.json</c> records the model in force so the next start loads it instead of
/// <c>Model:Path</c>. Keeps the active model and the one it replaced; older copies are removed.
/// </summary>
internal sealed class ModelStore(string stateDirectory)
{
    public const string ActiveFile = "active.json";

    public string Folder { get; } = Path.Combine(stateDirectory, "models");

    public string ActivePath => Path.Combine(Folder, ActiveFile);

    public string PathFor(string sha256) => Path.Combine(Folder, sha256 + ".onnx");

    /// <summary>A fresh temporary file name in the folder (created on demand) for a copy or download in progress.</summary>
    public string NewPartPath()
    {
        Directory.CreateDirectory(Folder);
        return Path.Combine(Folder, $"incoming-{Guid.NewGuid():N}.part");
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Records the model in force (written to a temporary file, flushed, then renamed over the old record,
    /// so a power cut leaves the old record or the new one).</summary>
    public void WriteActive(ActiveRecord record)
    {
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteJson(ActivePath, w =>
        {
            w.WriteString("path", record.Path);
            w.WriteString("sha256", record.Sha256);
            w.WriteString("origin", record.Origin);
            w.WriteString("since", record.Since);
            w.WriteString("configured_path", record.ConfiguredPath);
            w.WriteString("configured_sha256", record.ConfiguredSha256);
        }, indented: true);
    }

    /// <summary>The recorded model in force; null when there is none (no deployment yet). A record that cannot be
    /// read or parsed throws <see cref="InvalidDataException"/> with the reason.</summary>
    public ActiveRecord? ReadActive()
    {
        if (!File.Exists(ActivePath))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(ActivePath));
            var root = doc.RootElement;
            return new ActiveRecord(
                Text(root, "path"), Text(root, "sha256"), Text(root, "origin"),
                root.GetProperty("since").GetDateTimeOffset(), Text(root, "configured_path"), Text(root, "configured_sha256"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            throw new InvalidDataException($"{ActivePath}: {Messages.OneLine(e.Message)}", e);
        }
    }

    /// <summary>Removes the record: the next start uses <c>Model:Path</c>.</summary>
    public void ForgetActive() => File.Delete(ActivePath);

    /// <summary>Deletes stored models other than <paramref name="keep"/>, and leftovers of interrupted copies.</summary>
    public void Prune(params string[] keep)
    {
        if (!Directory.Exists(Folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            var name = Path.GetFileName(file);
            var stale = name.EndsWith(".part", StringComparison.Ordinal)
                || (name.EndsWith(".onnx", StringComparison.Ordinal) && !keep.Contains(file, StringComparer.Ordinal));
            if (stale)
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                    // Retried at the next deployment.
                }
            }
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' is null");
}

/// <summary>The content of <c>active.json</c>: the deployed model, and the <c>Model:Path</c> (with its SHA-256)
/// configured when it was deployed; a different configured model at the next start means the configuration was
/// changed on purpose, and the configured model wins.</summary>
internal sealed record ActiveRecord(string Path, string Sha256, string Origin, DateTimeOffset Since, string ConfiguredPath, string ConfiguredSha256);
