using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>
/// The dataset folder in the layout `train --data` reads: one subfolder per class, unlabelled captures in the hidden
/// <see cref="InboxName"/> subfolder (hidden entries are ignored by training). Each capture is `&lt;id&gt;.jpg` plus
/// its sidecar `&lt;id&gt;.json`; labelling moves both into the class folder. Images put there by hand are listed
/// too (without a sidecar). An in-memory index, read at start, answers listings; every change goes to disk first.
/// Thread-safe.
/// </summary>
public sealed partial class DatasetStore
{
    public const string InboxName = ".inbox";
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CaptureEntry> _entries = new(StringComparer.Ordinal);
    private long _bytes;
    private volatile bool _trainingRunning;

    public DatasetStore(string dir)
    {
        Dir = Path.GetFullPath(dir);
        InboxDir = Path.Combine(Dir, InboxName);
        try
        {
            Directory.CreateDirectory(InboxDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNet.Inference.EdgeMobileNetException($"Capture:Dir: cannot create {InboxDir} ({ex.Message})", ex);
        }

        Load();
    }

    public string Dir { get; }

    public string InboxDir { get; }

    /// <summary>Images in the folder (inbox and classes).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Bytes of the images and sidecars.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>While a training job reads the class folders, labelled images may not move out of them (labelling
    /// inbox images stays allowed: training works on the list it took at its start).</summary>
    public bool TrainingRunning
    {
        get => _trainingRunning;
        set => _trainingRunning = value;
    }

    /// <summary>Why <paramref name="name"/> cannot be a class (folder) name, or null: 1-64 letters, digits, '_', '-'
    /// or '.', starting with a letter or digit.</summary>
    public static string? ClassNameProblem(string? name) => name is not null && ClassName().IsMatch(name)
        ? null
        : $"class '{name}' must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit";

    /// <summary>Writes a capture (JPEG, then its sidecar) into the inbox or straight into class <paramref name="cls"/>.</summary>
    public CaptureEntry Save(CaptureRecord record, RgbImage image, int quality, string? cls)
    {
        var folder = cls is null ? InboxDir : Path.Combine(Dir, cls);
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(InboxDir, $".tmp-{record.Id}.jpg");
        JpegWriter.Write(image, temp, quality);
        var sidecar = JsonSerializer.SerializeToUtf8Bytes(record, DatasetJsonContext.Default.CaptureRecord);
        File.WriteAllBytes(Path.Combine(folder, record.Id + ".json"), sidecar);
        var jpeg = Path.Combine(folder, record.Id + ".jpg");
        File.Move(temp, jpeg, overwrite: true);
        var entry = new CaptureEntry(record.Id, cls, record, new FileInfo(jpeg).Length + sidecar.Length, ".jpg");
        lock (_gate)
        {
            if (_entries.Remove(entry.Id, out var old))
            {
                _bytes -= old.Bytes;
            }

            _entries[entry.Id] = entry;
            _bytes += entry.Bytes;
        }

        return entry;
    }

    /// <summary>One page of images: in the inbox (<paramref name="cls"/> null), in one class, or everywhere
    /// (<paramref name="all"/>); sorted by score (lowest first) or time (newest first).</summary>
    public (int Total, IReadOnlyList<CaptureEntry> Page) List(string? cls, bool all, bool byTime, int offset, int limit)
    {
        List<CaptureEntry> matching;
        lock (_gate)
        {
            matching = [.. _entries.Values.Where(e => all || e.Class == cls)];
        }

        IEnumerable<CaptureEntry> sorted = byTime
            ? matching.OrderByDescending(e => e.Record?.Time ?? DateTimeOffset.MinValue).ThenBy(e => e.Id, StringComparer.Ordinal)
            : matching.OrderBy(e => e.SortScore).ThenBy(e => e.Id, StringComparer.Ordinal);
        return (matching.Count, [.. sorted.Skip(offset).Take(limit)]);
    }

    /// <summary>Images per class folder, by class name (ordinal), and the inbox's count.</summary>
    public (IReadOnlyList<(string Name, int Count)> Classes, int Inbox) Classes()
    {
        lock (_gate)
        {
            var classes = Directory.EnumerateDirectories(Dir)
                .Select(Path.GetFileName)
                .Where(n => n is { Length: > 0 } && n[0] != '.')
                .Select(n => (n!, _entries.Values.Count(e => e.Class == n)))
                .OrderBy(c => c.Item1, StringComparer.Ordinal)
                .ToList();
            return (classes, _entries.Values.Count(e => e.Class is null));
        }
    }

    public CaptureEntry? Find(string id)
    {
        lock (_gate)
        {
            return _entries.GetValueOrDefault(id);
        }
    }

    /// <summary>The image file of <paramref name="entry"/>.</summary>
    public string ImagePath(CaptureEntry entry) => Path.Combine(entry.Class is null ? InboxDir : Path.Combine(Dir, entry.Class), entry.Id + entry.Extension);
}
