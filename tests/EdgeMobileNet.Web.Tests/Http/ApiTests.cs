using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeMobileNet.Web.Tests.Support;
using SkiaSharp;

namespace EdgeMobileNet.Web.Tests.Http;

/// <summary>The script-facing contract (docs/web.md) against the real demo station over loopback HTTP.</summary>
public sealed class ApiTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task MetricsAreValidPrometheusTextFromTheStationsInstruments()
    {
        PrometheusParser.Require();
        await using var station = await WebStation.StartAsync();
        await WaitClassifiedAsync(station, 30);

        var text = await station.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
        var families = await PrometheusParser.ParseAsync(text);
        var state = await station.GetJsonAsync("/api/state");

        double Value(string family, string sample, string? label = null, string? labelValue = null) =>
            families.GetProperty(family).GetProperty("samples").EnumerateArray()
                .Single(s => s.GetProperty("name").GetString() == sample && (label is null || s.GetProperty("labels").GetProperty(label).GetString() == labelValue))
                .GetProperty("value").GetDouble();

        foreach (var counter in new[] { "edgemobilenet_frames", "edgemobilenet_classifications", "edgemobilenet_frames_dropped", "edgemobilenet_verdicts", "edgemobilenet_events_dropped" })
        {
            Assert.Equal("counter", families.GetProperty(counter).GetProperty("type").GetString());
        }

        foreach (var gauge in new[] { "edgemobilenet_outbox_backlog", "edgemobilenet_outbox_backlog_bytes", "edgemobilenet_outbox_backlog_oldest_seconds", "edgemobilenet_mqtt_connected", "edgemobilenet_model_info", "edgemobilenet_health" })
        {
            Assert.Equal("gauge", families.GetProperty(gauge).GetProperty("type").GetString());
        }

        var classified = Value("edgemobilenet_classifications", "edgemobilenet_classifications_total");
        Assert.True(classified >= 30, $"classifications_total {classified}");
        var verdicts = Value("edgemobilenet_verdicts", "edgemobilenet_verdicts_total", "verdict", "pass")
            + Value("edgemobilenet_verdicts", "edgemobilenet_verdicts_total", "verdict", "reject")
            + Value("edgemobilenet_verdicts", "edgemobilenet_verdicts_total", "verdict", "unknown");
        // Instruments are read one after the other during a scrape while the station classifies 15 frames a second.
        const double Slack = 15;
        Assert.InRange(verdicts, classified - Slack, classified + Slack);
        Assert.True(Value("edgemobilenet_verdicts", "edgemobilenet_verdicts_total", "verdict", "reject") > 0, "the demo rejects red parts");

        // Latency histograms: one observation per classification, cumulative buckets ending in +Inf = count.
        foreach (var histogram in new[] { "edgemobilenet_inference_duration_milliseconds", "edgemobilenet_preprocess_duration_milliseconds", "edgemobilenet_decision_duration_milliseconds" })
        {
            var family = families.GetProperty(histogram);
            Assert.Equal("histogram", family.GetProperty("type").GetString());
            var count = Value(histogram, histogram + "_count");
            Assert.InRange(count, classified - Slack, classified + Slack);
            var buckets = family.GetProperty("samples").EnumerateArray().Where(s => s.GetProperty("name").GetString() == histogram + "_bucket").ToList();
            Assert.True(buckets.Count > 5);
            Assert.Equal(count, buckets.Single(b => b.GetProperty("labels").GetProperty("le").GetString() == "+Inf").GetProperty("value").GetDouble());
            var values = buckets.Select(b => b.GetProperty("value").GetDouble()).ToList();
            Assert.Equal(values.Order(), values);
            Assert.True(Value(histogram, histogram + "_sum") > 0);
        }

        // Outputs switch after each pass verdict (the lamp) at least: trigger → output latency is observed.
        Assert.True(Value("edgemobilenet_output_latency_milliseconds", "edgemobilenet_output_latency_milliseconds_count") > 0);

        var model = state.GetProperty("model");
        Assert.Equal(1, Value("edgemobilenet_model_info", "edgemobilenet_model_info", "sha256", model.GetProperty("sha256").GetString()));
        Assert.Equal(1, Value("edgemobilenet_health", "edgemobilenet_health", "state", "running"));
        Assert.Equal(1, Value("edgemobilenet_mqtt_connected", "edgemobilenet_mqtt_connected"));
    }

    [Fact]
    public async Task EventsSinceAndTheLatestFrame()
    {
        await using var station = await WebStation.StartAsync();
        await WaitClassifiedAsync(station, 10);
        var ct = TestContext.Current.CancellationToken;

        var all = await station.GetJsonAsync("/api/events?since=0");
        var numbers = all.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("number").GetInt64()).ToList();
        Assert.True(numbers.Count >= 10);
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(i => (long)i), numbers);
        var first = all.GetProperty("events")[0];
        Assert.Equal("continuous", first.GetProperty("trigger").GetString());
        Assert.Equal(first.GetProperty("label").GetString(), first.GetProperty("top")[0].GetProperty("label").GetString());
        Assert.Contains(first.GetProperty("verdict").GetString(), new[] { "pass", "reject" });

        var since = numbers[^1] - 3;
        var tail = await station.GetJsonAsync(string.Create(CultureInfo.InvariantCulture, $"/api/events?since={since}"));
        Assert.All(tail.GetProperty("events").EnumerateArray(), e => Assert.True(e.GetProperty("number").GetInt64() > since));
        Assert.True(tail.GetProperty("events").GetArrayLength() >= 3);
        Assert.Equal(2, (await station.GetJsonAsync("/api/events?since=0&limit=2")).GetProperty("events").GetArrayLength());

        using (var bad = await station.Http.GetAsync(new Uri("/api/events?since=yesterday", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("since", await bad.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using var jpeg = await station.Http.GetAsync(new Uri("/api/frame/latest.jpg", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, jpeg.StatusCode);
        Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType!.MediaType);
        var number = long.Parse(jpeg.Headers.GetValues("X-Result-Number").Single(), CultureInfo.InvariantCulture);
        // The live view takes a frame at most Web:FrameRate (10) times a second: the newest taken is recent.
        Assert.InRange(number, numbers[^1] - 5, numbers[^1] + 50);
        using var bitmap = SKBitmap.Decode(await jpeg.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal((160, 120), (bitmap.Width, bitmap.Height));
        // The demo crops the centre square (Model:ResizeRatio 1): 120×120 at x = 20.
        Assert.Equal("20,0,120,120", jpeg.Headers.GetValues("X-Region-Of-Interest").Single());

        using var missing = await station.Http.GetAsync(new Uri("/api/frame/999999.jpg", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task CommissioningPulsesAnOutputAndRefusesOtherPins()
    {
        // gpio trigger and no trigger fired: only the pulse moves the pin.
        await using var station = await WebStation.StartAsync(["--Trigger:Kind", "gpio", "--Trigger:Pin", "4"]);
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, Pin(await station.GetJsonAsync("/api/state"), 17).GetProperty("level").GetInt32());

        using var pulse = await station.Http.PostAsync(new Uri("/api/gpio/pulse", UriKind.Relative), new StringContent("""{"pin":17,"ms":1500}""", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.OK, pulse.StatusCode);
        var during = Pin(await station.GetJsonAsync("/api/state"), 17);
        Assert.Equal(1, during.GetProperty("level").GetInt32());
        Assert.True(during.GetProperty("active").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, during.GetProperty("last_change").ValueKind);
        await WebStation.EventuallyAsync(async () => Pin(await station.GetJsonAsync("/api/state"), 17).GetProperty("level").GetInt32() == 0, Wait, "the pulse to end");

        using var notOutput = await station.Http.PostAsync(new Uri("/api/gpio/pulse", UriKind.Relative), new StringContent("""{"pin":5,"ms":100}""", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, notOutput.StatusCode);
        using var garbage = await station.Http.PostAsync(new Uri("/api/gpio/pulse", UriKind.Relative), new StringContent("pin=17", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        // What a page of another site can send without a preflight (a form, text/plain) is refused.
        using var plain = await station.Http.PostAsync(new Uri("/api/gpio/pulse", UriKind.Relative), new StringContent("""{"pin":17,"ms":100}""", Encoding.UTF8, "text/plain"), ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(0, Pin(await station.GetJsonAsync("/api/state"), 17).GetProperty("level").GetInt32());

        // Without a token, a name other than loopback in Host (DNS rebinding) is refused.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/state");
        rebound.Headers.Host = "attacker.example";
        using var refused = await station.Http.SendAsync(rebound, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private static JsonElement Pin(JsonElement state, int pin) =>
        state.GetProperty("gpio").GetProperty("pins").EnumerateArray().Single(p => p.GetProperty("pin").GetInt32() == pin);

    private static Task WaitClassifiedAsync(WebStation station, int count) =>
        WebStation.EventuallyAsync(
            async () => (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64() >= count,
            Wait,
            $"{count} classifications");
}
