using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>
/// The frame of each reject (and, with Snapshots:Unknown, each `unknown`) as a JPEG: published retained on
/// `snapshot/reject` (rejects only) and kept in a <see cref="SnapshotRing"/> under `&lt;state directory&gt;/snapshots`
/// with a JSON sidecar naming the event. On the loop's thread it only copies the raw frame into a pooled buffer and
/// queues it (at most Snapshots:QueueLength); conversion, encoding and disk writes happen on a writer task. When the
/// queue is full the snapshot is dropped and counted (<see cref="Dropped"/>): the loop never waits. Registered after
/// the MQTT event sink, so <see cref="ClassificationResult.EventId"/> is already assigned.
/// </summary>
internal sealed partial class SnapshotSink : IResultSink, IDisposable
{
    public const string WriteCondition = "snapshots";
    private readonly SnapshotsOptions _o;
    private readonly Channel<Job> _queue;
    private readonly Lazy<SnapshotRing> _ring;
    private readonly MqttNotices? _notices;
    private readonly StationTopics _topics;
    private readonly string _station;
    private readonly ILogger _logger;
    private readonly StationHealth? _health;
    private readonly Task _writer;
    private long _dropped;
    private long _written;
    private long _failed;

    public SnapshotSink(SnapshotsOptions options, string folder, string stationId, MqttNotices? notices, ILogger<SnapshotSink> logger, StationHealth? health = null)
    {
        _health = health;
        _o = options;
        _station = stationId;
        _topics = new StationTopics(stationId);
        _notices = notices;
        _logger = logger;
        // Opened by the writer on the first snapshot: a station that never rejects creates no folder.
        _ring = new Lazy<SnapshotRing>(() => new SnapshotRing(folder, options.MaxCount, (long)(options.MaxMegabytes * 1024 * 1024)));
        Folder = folder;
        _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(options.QueueLength) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Snapshots dropped because the writer was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Snapshots written to disk (and, for rejects, posted for MQTT).</summary>
    public long Written => Interlocked.Read(ref _written);

    public long Failed => Interlocked.Read(ref _failed);

    public string Folder { get; }

    /// <summary>The ring on disk (opened on first use).</summary>
    public SnapshotRing Ring => _ring.Value;

    public void Accept(ClassificationResult r)
    {
        if (r.Frame is not { } frame || !(r.Verdict == Verdict.Reject || (_o.Unknown && r.Verdict == Verdict.Unknown)))
        {
            return;
        }

        var pixels = ArrayPool<byte>.Shared.Rent(frame.Data.Length);
        frame.Data.AsSpan().CopyTo(pixels);
        var job = new Job(pixels, frame.Format, frame.Width, frame.Height, r.ToSnapshot(), r.EventId);
        if (!_queue.Writer.TryWrite(job))
        {
            ArrayPool<byte>.Shared.Return(pixels);
            if (Interlocked.Increment(ref _dropped) is var n && (n & (n - 1)) == 0)
            {
                LogDropped(_logger, n); // 1, 2, 4, 8, … : visible without flooding the log
            }
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(2));
    }

    private async Task WriteAsync()
    {
        RgbImage? rgb = null;
        await foreach (var job in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (rgb is null || rgb.Width != job.Width || rgb.Height != job.Height)
                {
                    rgb = new RgbImage(job.Width, job.Height);
                }

                PixelConverter.ToRgb(job.Pixels.AsSpan(0, FrameGeometry.BytesPerFrame(job.Format, job.Width, job.Height)), job.Format, job.Width, job.Height, rgb);
                var jpeg = JpegWriter.Encode(rgb, _o.Quality);
                var stem = SnapshotRing.Stem(job.Result.Time, job.Result.Verdict, job.Result.FrameSequence, job.EventId);
                var name = _ring.Value.Add(stem, jpeg, Sidecar(job, stem + ".jpg"));
                if (job.Result.Verdict == "reject")
                {
                    _notices?.PostLatest(_topics.RejectSnapshot, jpeg);
                }

                if (Interlocked.Increment(ref _written) == 1 || Failed > 0)
                {
                    _health?.Clear(WriteCondition);
                }

                LogWritten(_logger, name, jpeg.Length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or Inference.EdgeMobileNetException)
            {
                if (Interlocked.Increment(ref _failed) == 1)
                {
                    LogFailed(_logger, Folder, e.Message);
                }

                _health?.Raise(WriteCondition, $"snapshots cannot be written to {Folder}: {e.Message}");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(job.Pixels);
            }
        }
    }

    private byte[] Sidecar(Job job, string file)
    {
        var r = job.Result;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("file", file);
            if (job.EventId is { } id)
            {
                w.WriteString("event_id", id);
            }
            else
            {
                w.WriteNull("event_id");
            }

            w.WriteString("ts", r.Time);
            w.WriteString("station", _station);
            w.WriteString("trigger", r.Trigger);
            w.WriteNumber("frame_seq", r.FrameSequence);
            w.WriteString("label", r.Label);
            w.WriteNumber("index", r.Index);
            w.WriteNumber("score", Math.Round(r.Score, 5));
            w.WriteString("verdict", r.Verdict);
            w.WriteStartArray("top");
            foreach (var c in r.Top)
            {
                w.WriteStartObject();
                w.WriteString("label", c.Label);
                w.WriteNumber("index", c.Index);
                w.WriteNumber("score", Math.Round(c.Score, 5));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("frame");
            w.WriteString("format", job.Format.ToString());
            w.WriteNumber("width", job.Width);
            w.WriteNumber("height", job.Height);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot writer behind: {Count} snapshots dropped so far (Snapshots:QueueLength)")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Snapshot {File} ({Bytes} bytes)")]
    private static partial void LogWritten(ILogger logger, string file, int bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Snapshots cannot be written to {Folder}: {Reason} (the line keeps running without them)")]
    private static partial void LogFailed(ILogger logger, string folder, string reason);

    private sealed record Job(byte[] Pixels, PixelFormat Format, int Width, int Height, ResultSnapshot Result, string? EventId);
}
