using System.Buffers;
using System.Text.Json;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>Writes the `event` and `state` payloads (schema in docs/mqtt.md) with a reused writer; the only
/// allocation per event is the payload array handed to the outbox.</summary>
internal sealed class EventJson
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly string _station;

    public EventJson(string station)
    {
        _station = station;
        _writer = new Utf8JsonWriter(_buffer);
    }

    /// <summary>An `event`; <paramref name="id"/> is `&lt;stream&gt;-&lt;sequence&gt;` from the outbox.</summary>
    public byte[] Event(ClassificationResult r, string id)
    {
        Reset();
        var w = _writer;
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("ts", r.Time);
        w.WriteString("station", _station);
        w.WriteString("trigger", r.Trigger);
        w.WriteNumber("frame_seq", r.FrameSequence);
        w.WriteString("label", r.Label);
        w.WriteNumber("index", r.Index);
        w.WriteNumber("score", Math.Round(r.Score, 5));
        w.WriteStartArray("top");
        for (var i = 0; i < r.TopCount; i++)
        {
            w.WriteStartObject();
            w.WriteString("label", r.Labels[r.TopIndex[i]]);
            w.WriteNumber("index", r.TopIndex[i]);
            w.WriteNumber("score", Math.Round(r.TopScore[i], 5));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("verdict", r.Verdict.Name());
        w.WriteString("model_sha256", r.ModelSha256);
        w.WriteStartObject("latency_ms");
        w.WriteNumber("capture", Math.Round(r.CaptureMs, 3));
        w.WriteNumber("preprocess", Math.Round(r.PreprocessMs, 3));
        w.WriteNumber("inference", Math.Round(r.InferenceMs, 3));
        w.WriteNumber("total", Math.Round(r.TotalMs, 3));
        w.WriteEndObject();
        w.WriteEndObject();
        return Finish();
    }

    /// <summary>The retained `state`: health (status, reason, reasons), the last verdict and the counters.</summary>
    public byte[] State(HealthSnapshot health, RunState run, DateTimeOffset now)
    {
        Reset();
        var w = _writer;
        var counters = run.Counters;
        w.WriteStartObject();
        w.WriteString("station", _station);
        w.WriteString("ts", now);
        w.WriteString("status", health.StatusName);
        if (health.Reason is { } reason)
        {
            w.WriteString("reason", reason);
        }
        else
        {
            w.WriteNull("reason");
        }

        w.WriteStartArray("reasons");
        foreach (var r in health.Reasons)
        {
            w.WriteStringValue(r);
        }

        w.WriteEndArray();
        if (run.Latest is { } latest)
        {
            w.WriteString("verdict", latest.Verdict);
        }
        else
        {
            w.WriteNull("verdict");
        }

        w.WriteString("model_sha256", run.ModelSha256);
        w.WriteNumber("frames", counters.Frames);
        w.WriteNumber("classified", counters.Classified);
        w.WriteNumber("dropped", counters.Dropped);
        w.WriteNumber("triggers", counters.Triggers);
        var backlog = run.Backlog;
        w.WriteNumber("events_dropped", backlog.Dropped);
        w.WriteNumber("skipped", counters.Skipped);
        w.WriteStartObject("verdicts");
        foreach (var v in Enum.GetValues<Verdict>())
        {
            w.WriteNumber(v.Name(), counters.ForVerdict(v));
        }

        w.WriteEndObject();
        w.WriteStartObject("backlog");
        w.WriteNumber("count", backlog.Count);
        w.WriteNumber("oldest_age_s", Math.Round(backlog.OldestAgeSeconds, 3));
        w.WriteNumber("bytes", backlog.Bytes);
        w.WriteNumber("dropped", backlog.Dropped);
        w.WriteEndObject();
        w.WriteEndObject();
        return Finish();
    }

    private void Reset()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
    }

    private byte[] Finish()
    {
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}
