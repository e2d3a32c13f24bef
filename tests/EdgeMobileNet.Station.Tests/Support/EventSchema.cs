using System.Text.Json;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>The `event` payload as docs/mqtt.md specifies it: exactly these fields, these JSON types.</summary>
internal sealed record StationEvent(string Id, DateTimeOffset Ts, string Station, string Trigger, long FrameSeq, string Label, int Index, double Score, string Verdict, string ModelSha256 = "")
{
    /// <summary>The classification counter at the end of the id ("&lt;run&gt;-&lt;n&gt;").</summary>
    public long Number => long.Parse(Id[(Id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    public static StationEvent Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement;
        string[] expected = ["id", "ts", "station", "trigger", "frame_seq", "label", "index", "score", "top", "verdict", "model_sha256", "latency_ms"];
        Assert.Equal(expected.Order(), e.EnumerateObject().Select(p => p.Name).Order());
        var top = e.GetProperty("top");
        Assert.Equal(JsonValueKind.Array, top.ValueKind);
        Assert.InRange(top.GetArrayLength(), 1, 100);
        var previous = double.PositiveInfinity;
        foreach (var t in top.EnumerateArray())
        {
            Assert.Equal(["index", "label", "score"], t.EnumerateObject().Select(p => p.Name).Order());
            var s = t.GetProperty("score").GetDouble();
            Assert.InRange(s, 0, previous);
            previous = s;
            t.GetProperty("label").GetString();
            t.GetProperty("index").GetInt32();
        }

        var latency = e.GetProperty("latency_ms");
        Assert.Equal(["capture", "inference", "preprocess", "total"], latency.EnumerateObject().Select(p => p.Name).Order());
        foreach (var l in latency.EnumerateObject())
        {
            Assert.True(l.Value.GetDouble() >= 0, $"latency_ms.{l.Name} negative");
        }

        var ev = new StationEvent(
            e.GetProperty("id").GetString()!,
            DateTimeOffset.Parse(e.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            e.GetProperty("station").GetString()!,
            e.GetProperty("trigger").GetString()!,
            e.GetProperty("frame_seq").GetInt64(),
            e.GetProperty("label").GetString()!,
            e.GetProperty("index").GetInt32(),
            e.GetProperty("score").GetDouble(),
            e.GetProperty("verdict").GetString()!,
            e.GetProperty("model_sha256").GetString()!);
        Assert.Matches("^[0-9a-f]{64}$", ev.ModelSha256);
        Assert.Contains(ev.Trigger, new[] { "continuous", "gpio", "mqtt" });
        Assert.Contains(ev.Verdict, new[] { "pass", "reject", "unknown" });
        Assert.InRange(ev.Score, 0, 1);
        Assert.Equal(top[0].GetProperty("index").GetInt32(), ev.Index);
        Assert.Equal(top[0].GetProperty("label").GetString(), ev.Label);
        return ev;
    }
}
