using System.Globalization;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>
/// Snapshots on disk for audit, bounded by count and bytes (oldest removed first): each is a JPEG and a JSON sidecar
/// with the same name, `&lt;UTC time&gt;_&lt;verdict&gt;_f&lt;frame&gt;_&lt;event id&gt;.jpg|.json` (event id `none`
/// without MQTT), so names sort by time. Files are written under a temporary name and renamed, so a crash never
/// leaves half a snapshot under its real name. Used by one thread (the snapshot writer).
/// </summary>
internal sealed class SnapshotRing
{
    private readonly string _dir;
    private readonly int _maxCount;
    private readonly long _maxBytes;
    private readonly List<(string Stem, long Bytes)> _entries = [];
    private long _bytes;

    public SnapshotRing(string dir, int maxCount, long maxBytes)
    {
        _dir = dir;
        _maxCount = maxCount;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(dir);
        foreach (var jpg in Directory.EnumerateFiles(dir, "*.jpg").Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(jpg);
            _entries.Add((stem, Size(jpg) + Size(Path.ChangeExtension(jpg, ".json"))));
        }

        _bytes = _entries.Sum(e => e.Bytes);
        Trim();
    }

    public string Folder => _dir;

    public int Count => _entries.Count;

    public long Bytes => _bytes;

    public static string Stem(DateTimeOffset time, string verdict, long frameSequence, string? eventId) =>
        string.Create(CultureInfo.InvariantCulture, $"{time.UtcDateTime:yyyyMMdd'T'HHmmss.fff'Z'}_{verdict}_f{frameSequence:D10}_{eventId ?? "none"}");

    /// <summary>Writes one snapshot and removes the oldest beyond the bounds. Returns the JPEG's file name.</summary>
    public string Add(string stem, byte[] jpeg, byte[] sidecar)
    {
        var jpg = Path.Combine(_dir, stem + ".jpg");
        WriteAtomically(jpg, jpeg);
        WriteAtomically(Path.Combine(_dir, stem + ".json"), sidecar);
        _entries.Add((stem, jpeg.Length + sidecar.Length));
        _bytes += jpeg.Length + sidecar.Length;
        Trim();
        return stem + ".jpg";
    }

    private void Trim()
    {
        var remove = 0;
        while (_entries.Count - remove > _maxCount || (_bytes > _maxBytes && _entries.Count - remove > 0))
        {
            var (stem, bytes) = _entries[remove++];
            File.Delete(Path.Combine(_dir, stem + ".jpg"));
            File.Delete(Path.Combine(_dir, stem + ".json"));
            _bytes -= bytes;
        }

        _entries.RemoveRange(0, remove);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
