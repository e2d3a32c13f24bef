using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>What a bulk change did: how many images it changed and one line per image it could not.</summary>
public sealed record BulkOutcome(int Changed, IReadOnlyList<string> Problems);

public sealed partial class DatasetStore
{
    /// <summary>Moves images (from the inbox or another class) into class <paramref name="cls"/>, creating its folder.</summary>
    public BulkOutcome Label(IEnumerable<string> ids, string cls) => Change(ids, e => Move(e, cls), $"label as {cls}");

    /// <summary>Moves the newest capture of the inbox into class <paramref name="cls"/>; its id, or null when the
    /// inbox is empty.</summary>
    public string? LabelNewest(string cls)
    {
        string? id;
        lock (_gate)
        {
            id = _entries.Values.Where(e => e.Class is null).OrderByDescending(e => e.Record?.Time ?? DateTimeOffset.MinValue).ThenByDescending(e => e.Id, StringComparer.Ordinal).FirstOrDefault()?.Id;
        }

        return id is not null && Label([id], cls).Changed == 1 ? id : null;
    }

    /// <summary>Moves images back into the inbox.</summary>
    public BulkOutcome Unlabel(IEnumerable<string> ids) => Change(ids, e => Move(e, null), "unlabel");

    /// <summary>Deletes images and their sidecars.</summary>
    public BulkOutcome Delete(IEnumerable<string> ids) => Change(ids, e =>
    {
        File.Delete(ImagePath(e));
        File.Delete(SidecarPath(e));
        return null;
    }, "delete");

    private BulkOutcome Change(IEnumerable<string> ids, Func<CaptureEntry, CaptureEntry?> apply, string what)
    {
        var problems = new List<string>();
        var changed = 0;
        lock (_gate)
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                if (!_entries.TryGetValue(id, out var entry))
                {
                    problems.Add($"{id}: no such image");
                    continue;
                }

                if (entry.Class is not null && TrainingRunning)
                {
                    problems.Add($"{id}: in class {entry.Class}, which the running training job reads; {what} after it ends");
                    continue;
                }

                try
                {
                    var moved = apply(entry);
                    _entries.Remove(id);
                    _bytes -= entry.Bytes;
                    if (moved is not null)
                    {
                        _entries[id] = moved;
                        _bytes += moved.Bytes;
                    }

                    changed++;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"{id}: {what} failed ({ex.Message})");
                }
            }
        }

        return new BulkOutcome(changed, problems);
    }

    private CaptureEntry Move(CaptureEntry e, string? cls)
    {
        if (e.Class == cls)
        {
            return e;
        }

        var target = cls is null ? InboxDir : Path.Combine(Dir, cls);
        Directory.CreateDirectory(target);
        var moved = e with { Class = cls };
        // The sidecar first: an image never sits in a class folder with its sidecar left behind in another.
        if (File.Exists(SidecarPath(e)))
        {
            File.Move(SidecarPath(e), SidecarPath(moved), overwrite: true);
        }

        File.Move(ImagePath(e), ImagePath(moved), overwrite: true);
        return moved;
    }

    private string SidecarPath(CaptureEntry e) => Path.ChangeExtension(ImagePath(e), ".json");

    /// <summary>Reads the folder: the inbox and every class subfolder (hidden ones skipped), sidecars where present.</summary>
    private void Load()
    {
        var folders = new List<(string Path, string? Class)> { (InboxDir, null) };
        folders.AddRange(Directory.EnumerateDirectories(Dir)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => (d, (string?)Path.GetFileName(d))));
        foreach (var (folder, cls) in folders)
        {
            foreach (var file in Directory.EnumerateFiles(folder).OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var ext = Path.GetExtension(file).ToLowerInvariant();
                var id = Path.GetFileNameWithoutExtension(file);
                if (name.StartsWith('.') || !ImageExtensions.Contains(ext) || !IdPattern().IsMatch(id) || _entries.ContainsKey(id))
                {
                    continue;
                }

                var bytes = new FileInfo(file).Length;
                CaptureRecord? record = null;
                var sidecar = Path.ChangeExtension(file, ".json");
                if (File.Exists(sidecar))
                {
                    try
                    {
                        var json = File.ReadAllBytes(sidecar);
                        bytes += json.Length;
                        record = JsonSerializer.Deserialize(json, DatasetJsonContext.Default.CaptureRecord);
                    }
                    catch (JsonException)
                    {
                        // A damaged sidecar: the image is still listed, without its metadata.
                    }
                }

                _entries[id] = new CaptureEntry(id, cls, record, bytes, Path.GetExtension(file));
                _bytes += bytes;
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex ClassName();

    /// <summary>Ids are file names: no separators, no leading dot.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")]
    private static partial Regex IdPattern();
}
