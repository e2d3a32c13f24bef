using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeMobileNet.Station.Dataset;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>A frame picked for the dataset, waiting for the encoder: a copy of the frame (a pooled buffer), the
/// result, the hash of the model that made it and the event id (null without MQTT), why it was picked and the class it goes to (null: the inbox).</summary>
internal sealed record PendingCapture(FrameBuffer Frame, ResultSnapshot Result, string ModelSha256, string? EventId, string Reason, string? Class, DateTimeOffset Time);

/// <summary>Capture counters of this run (shown by the page).</summary>
public sealed class CaptureCounters
{
    private long _saved;
    private long _busy;
    private long _full;
    private long _failed;

    public long Saved => Interlocked.Read(ref _saved);

    /// <summary>Dropped because the encoder was behind (queue full).</summary>
    public long DroppedBusy => Interlocked.Read(ref _busy);

    /// <summary>Dropped because the dataset folder reached Capture:MaxFiles or Capture:MaxMegabytes.</summary>
    public long DroppedFull => Interlocked.Read(ref _full);

    /// <summary>Not written (disk error).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    internal void AddSaved() => Interlocked.Increment(ref _saved);

    internal void AddBusy() => Interlocked.Increment(ref _busy);

    internal void AddFull() => Interlocked.Increment(ref _full);

    internal void AddFailed() => Interlocked.Increment(ref _failed);
}

/// <summary>
/// Picks frames for the dataset on the classification thread and hands them to <see cref="CaptureWriter"/>: on
/// request (`cmd/capture`, the page's button: the next classified frame), every `unknown` or low-score result, every
/// Nth result. The frame is copied into one of `Capture:Queue` pooled buffers; when none is free the capture is
/// dropped and counted. Never waits, never encodes here.
/// </summary>
internal sealed class CaptureSink : IResultSink
{
    private readonly CaptureOptions _options;
    private readonly RunState _run;
    private readonly TimeProvider _time;
    private readonly ConcurrentBag<FrameBuffer> _free = [];
    private readonly ConcurrentQueue<(string Origin, string? Class)> _requests = new();
    private readonly Channel<PendingCapture> _queue;
    private readonly long _minInterval;
    private long _lastAutomatic = long.MinValue;

    public CaptureSink(IOptions<CaptureOptions> options, RunState run, TimeProvider time)
    {
        _options = options.Value;
        _run = run;
        _time = time;
        for (var i = 0; i < _options.Queue; i++)
        {
            _free.Add(new FrameBuffer());
        }

        _queue = Channel.CreateBounded<PendingCapture>(new BoundedChannelOptions(_options.Queue) { SingleReader = true, SingleWriter = true });
        _minInterval = (long)(_options.MinIntervalMs / 1000.0 * time.TimestampFrequency);
    }

    public CaptureCounters Counters { get; } = new();

    internal ChannelReader<PendingCapture> Pending => _queue.Reader;

    /// <summary>Captures the next classified frame (into class <paramref name="cls"/> when given, else the inbox).</summary>
    public void Request(string origin, string? cls) => _requests.Enqueue((origin, cls));

    public void Accept(ClassificationResult result)
    {
        if (result.Frame is not { } frame)
        {
            return;
        }

        string? cls = null;
        string? reason = null;
        if (_requests.TryDequeue(out var request))
        {
            (reason, cls) = request;
        }
        else if (AutomaticReason(result) is { } automatic)
        {
            reason = automatic;
        }

        if (reason is null)
        {
            return;
        }

        if (!_free.TryTake(out var buffer))
        {
            Counters.AddBusy();
            return;
        }

        buffer.CopyFrom(frame);
        var snapshot = _run.Latest is { } latest && latest.Number == result.Number ? latest : result.ToSnapshot();
        if (!_queue.Writer.TryWrite(new PendingCapture(buffer, snapshot, result.ModelSha256, result.EventId, reason, cls, _time.GetUtcNow())))
        {
            _free.Add(buffer);
            Counters.AddBusy();
        }
    }

    /// <summary>Gives a buffer back once its frame is encoded.</summary>
    internal void Return(FrameBuffer buffer) => _free.Add(buffer);

    internal void Complete() => _queue.Writer.TryComplete();

    private string? AutomaticReason(ClassificationResult r)
    {
        var o = _options;
        if (o.EveryN > 0 && r.Number % o.EveryN == 0)
        {
            return "every-n";
        }

        var reason = o.Unknown && r.Verdict == Verdict.Unknown ? "unknown"
            : o.BelowScore > 0 && r.Score < o.BelowScore ? "low-score"
            : null;
        if (reason is null)
        {
            return null;
        }

        var now = _time.GetTimestamp();
        if (_lastAutomatic != long.MinValue && now - _lastAutomatic < _minInterval)
        {
            return null;
        }

        _lastAutomatic = now;
        return reason;
    }
}
