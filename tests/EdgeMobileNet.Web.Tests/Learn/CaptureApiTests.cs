using System.Globalization;
using System.Net;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Web.Tests.Support;
using SkiaSharp;

namespace EdgeMobileNet.Web.Tests.Learn;

/// <summary>Capture into the dataset folder and the labelling API, against the real demo station.</summary>
public sealed class CaptureApiTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task CapturesAreSavedWithTheirFrameAndSidecarListedLowScoreFirstAndLabelledIntoClassFolders()
    {
        var dir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(["--Capture:Dir", dir, "--Capture:EveryN", "3", "--Capture:BelowScore", "0.9"]);
        var inbox = Path.Combine(dir, ".inbox");
        await WebStation.EventuallyAsync(async () => (await station.GetJsonAsync("/api/captures")).GetProperty("total").GetInt32() >= 12, Wait, "12 captures in the inbox");

        var state = await station.GetJsonAsync("/api/state");
        var list = await station.GetJsonAsync("/api/captures?limit=1000");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        var scores = items.Select(i => i.GetProperty("score").GetSingle()).ToList();
        Assert.Equal(scores.Order().ToList(), scores);
        Assert.Contains(items, i => i.GetProperty("reason").GetString() == "every-n");
        Assert.Contains(items, i => i.GetProperty("reason").GetString() == "low-score");
        Assert.True(list.GetProperty("stats").GetProperty("saved").GetInt64() >= 12);

        // Each JPEG is the frame the sidecar names (the conveyor renders the same scene for a sequence number),
        // from this run and this model.
        var sidecars = Dataset.Sidecars(inbox);
        foreach (var item in items.Take(6))
        {
            var id = item.GetProperty("id").GetString()!;
            var sidecar = sidecars[id];
            Assert.Equal(state.GetProperty("run").GetString(), sidecar.GetProperty("run").GetString());
            Assert.Equal(state.GetProperty("model").GetProperty("sha256").GetString(), sidecar.GetProperty("model_sha256").GetString());
            Assert.Equal(item.GetProperty("label").GetString(), sidecar.GetProperty("label").GetString());
            using var response = await station.Http.GetAsync(new Uri(item.GetProperty("url").GetString()!, UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            var jpeg = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(inbox, id + ".jpg"), TestContext.Current.CancellationToken), jpeg);
            var sequence = sidecar.GetProperty("frame_sequence").GetInt64();
            var own = MeanAbsoluteDifference(jpeg, sequence);
            foreach (var other in new[] { sequence - 2, sequence - 1, sequence + 1, sequence + 2 }.Where(n => n > 0))
            {
                Assert.True(own < MeanAbsoluteDifference(jpeg, other), $"{id}: the JPEG is closer to frame {other} than to frame {sequence} named by its sidecar");
            }

            Assert.True(own < 8, $"{id}: mean difference {own:0.0} from frame {sequence}");
        }

        // Label three (a new class), send one back to the inbox, delete one.
        var ids = items.Select(i => i.GetProperty("id").GetString()!).ToArray();
        var (status, body) = await Dataset.PostAsync(station, "/api/captures/label", Dataset.Body(ids[..3], "scratch"));
        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("changed").GetInt32());
        foreach (var id in ids[..3])
        {
            Assert.True(File.Exists(Path.Combine(dir, "scratch", id + ".jpg")) && File.Exists(Path.Combine(dir, "scratch", id + ".json")), id);
            Assert.False(File.Exists(Path.Combine(inbox, id + ".jpg")), id);
        }

        var classes = await station.GetJsonAsync("/api/classes");
        Assert.Equal("scratch", classes.GetProperty("classes")[0].GetProperty("name").GetString());
        Assert.Equal(3, classes.GetProperty("classes")[0].GetProperty("count").GetInt32());
        var inClass = await station.GetJsonAsync("/api/captures?class=scratch");
        Assert.Equal(3, inClass.GetProperty("total").GetInt32());

        (status, _) = await Dataset.PostAsync(station, "/api/captures/unlabel", Dataset.Body(ids[..1]));
        Assert.Equal(200, status);
        Assert.True(File.Exists(Path.Combine(inbox, ids[0] + ".jpg")));
        (status, _) = await Dataset.PostAsync(station, "/api/captures/delete", Dataset.Body(ids[1..2]));
        Assert.Equal(200, status);
        Assert.False(File.Exists(Path.Combine(dir, "scratch", ids[1] + ".jpg")) || File.Exists(Path.Combine(dir, "scratch", ids[1] + ".json")));
        Assert.Equal(1, (await station.GetJsonAsync("/api/captures?class=scratch")).GetProperty("total").GetInt32());

        // Bad input: one line naming the field; nothing changes.
        (status, body) = await Dataset.PostAsync(station, "/api/captures/label", Dataset.Body(ids[3..4], "../etc"));
        Assert.Equal(400, status);
        Assert.StartsWith("class: class '../etc' must be", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(inbox, ids[3] + ".jpg")));
        (status, body) = await Dataset.PostAsync(station, "/api/captures/delete", Dataset.Body(["no-such-capture"]));
        Assert.Equal(409, status);
        Assert.Equal("no-such-capture: no such image", body.GetProperty("problems")[0].GetString());
        using var missing = await station.Http.GetAsync(new Uri("/api/captures/no-such-capture.jpg", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var badSort = await station.Http.GetAsync(new Uri("/api/captures?sort=size", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);

        // The page's button: the next frame, straight into a class.
        (status, _) = await Dataset.PostAsync(station, "/api/captures/now", Dataset.Body(null, "manual"));
        Assert.Equal(202, status);
        await WebStation.EventuallyAsync(() => Task.FromResult(Dataset.Sidecars(Path.Combine(dir, "manual")).Values.Any(s => s.GetProperty("reason").GetString() == "web")), Wait, "the web capture in class manual");
    }

    [Fact]
    public async Task AFullDatasetFolderDropsAndCountsFurtherCaptures()
    {
        var dir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(["--Capture:Dir", dir, "--Capture:EveryN", "1", "--Capture:MaxFiles", "5"]);
        await WebStation.EventuallyAsync(async () => (await station.GetJsonAsync("/api/captures")).GetProperty("stats").GetProperty("dropped_full").GetInt64() >= 5, Wait, "captures dropped at the limit");
        var stats = (await station.GetJsonAsync("/api/captures")).GetProperty("stats");
        Assert.Equal(5, stats.GetProperty("files").GetInt32());
        Assert.Equal(5, Directory.GetFiles(Path.Combine(dir, ".inbox"), "*.jpg").Length);
        // The line goes on: a full folder never blocks classification.
        var before = (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64();
        await WebStation.EventuallyAsync(async () => (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64() > before + 10, Wait, "more classifications");
        Assert.Equal(5, Directory.GetFiles(Path.Combine(dir, ".inbox"), "*.jpg").Length);
    }

    [Fact]
    public async Task CmdCaptureOverMqttSavesTheNextFrameAndRefusesABadClassNamingTheField()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var dir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(
            ["--Mqtt:Host", "127.0.0.1", "--Capture:Dir", dir, "--Capture:EveryN", "0", "--Capture:Unknown", "false", "--Capture:BelowScore", "0"],
            mqttPort: broker.Port);
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/demo/#");
        await WebStation.EventuallyAsync(() => Task.FromResult(recorder.Payloads("edgemobilenet/demo/event").Count > 0), Wait, "events on the broker (the station is subscribed)");

        await recorder.PublishAsync("edgemobilenet/demo/cmd/capture", "");
        await recorder.PublishAsync("edgemobilenet/demo/cmd/capture", """{"class": "good"}""");
        await recorder.PublishAsync("edgemobilenet/demo/cmd/capture", "bad/name");
        await WebStation.EventuallyAsync(() => Task.FromResult(Dataset.Sidecars(Path.Combine(dir, ".inbox")).Count == 1 && Dataset.Sidecars(Path.Combine(dir, "good")).Count == 1), Wait, "one capture in the inbox and one in class good");
        var saved = Dataset.Sidecars(Path.Combine(dir, "good")).Values.Concat(Dataset.Sidecars(Path.Combine(dir, ".inbox")).Values).ToList();
        Assert.All(saved, s => Assert.Equal("mqtt", s.GetProperty("reason").GetString()));
        // Each names the event of its classification: that event is on the broker with the same frame.
        Assert.True(await recorder.WaitForAsync(
            r => saved.All(s => r.Payloads("edgemobilenet/demo/event").Any(p => p.Contains($"\"id\":\"{s.GetProperty("event_id").GetString()}\"", StringComparison.Ordinal) && p.Contains($"\"frame_seq\":{s.GetProperty("frame_sequence").GetInt64()},", StringComparison.Ordinal))),
            Wait), "the captures' events on the broker");
        Assert.True(await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/demo/error").Any(p => p.Contains("\"command\":\"cmd/capture\"", StringComparison.Ordinal) && p.Contains("\"field\":\"class\"", StringComparison.Ordinal)), Wait), "a refusal on the error topic naming the field");

        // Nothing else is captured with the automatic reasons off.
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(2, (await station.GetJsonAsync("/api/captures?class=*")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task LabelButtonsFileTheNewestInboxCaptureAsGoodOrDefect()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var dir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(
            ["--Mqtt:Host", "127.0.0.1", "--Capture:Dir", dir, "--Capture:EveryN", "0", "--Capture:Unknown", "false", "--Capture:BelowScore", "0", "--Capture:GoodPin", "5", "--Capture:DefectPin", "6"],
            mqttPort: broker.Port);
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/demo/#");
        await WebStation.EventuallyAsync(() => Task.FromResult(recorder.Payloads("edgemobilenet/demo/event").Count > 0), Wait, "events on the broker (the station is subscribed)");

        // Two captures; the "good" button files the newer one, then the "defect" button the one left.
        await recorder.PublishAsync("edgemobilenet/demo/cmd/capture", "");
        await WebStation.EventuallyAsync(() => Task.FromResult(Dataset.Sidecars(Path.Combine(dir, ".inbox")).Count == 1), Wait, "the first capture");
        await recorder.PublishAsync("edgemobilenet/demo/cmd/capture", "");
        await WebStation.EventuallyAsync(() => Task.FromResult(Dataset.Sidecars(Path.Combine(dir, ".inbox")).Count == 2), Wait, "the second capture");
        var newest = Dataset.Sidecars(Path.Combine(dir, ".inbox")).MaxBy(s => s.Value.GetProperty("time").GetDateTimeOffset()).Key;
        // A button to ground with a pull-up: a pulse is a press (falling edge) and a release.
        await recorder.PublishAsync("edgemobilenet/demo/cmd/gpio/5", "pulse");
        await WebStation.EventuallyAsync(() => Task.FromResult(File.Exists(Path.Combine(dir, "good", newest + ".jpg"))), Wait, "the newest capture filed as good");
        await recorder.PublishAsync("edgemobilenet/demo/cmd/gpio/6", "pulse");
        await WebStation.EventuallyAsync(() => Task.FromResult(Dataset.Sidecars(Path.Combine(dir, "defect")).Count == 1), Wait, "the other capture filed as defect");
        Assert.Empty(Dataset.Sidecars(Path.Combine(dir, ".inbox")));
        Assert.Single(Dataset.Sidecars(Path.Combine(dir, "good")));
    }

    [Theory]
    [InlineData("--Capture:Queue", "0", "Capture:Queue: must be 1..256, got 0")]
    [InlineData("--Capture:BelowScore", "2", "Capture:BelowScore: must be 0..1, got 2")]
    [InlineData("--Capture:GoodPin", "17", "Capture:GoodPin: pin 17 is an output (Outputs)")]
    [InlineData("--Capture:DefectClass", "a b", "Capture:DefectClass: class 'a b' must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit")]
    [InlineData("--Training:Method", "magic", "Training:Method: 'magic' is not one of auto, finetune, linear, centroid")]
    [InlineData("--Training:Backbone", "/nonexistent/backbone.onnx", "Training:Backbone: file not found: /nonexistent/backbone.onnx")]
    public async Task BadCaptureOrTrainingSettingIsOneLineNamingTheKeyAndExitCode2(string key, string value, string message)
    {
        string[] args = ["run", "--demo", "--Mqtt:Port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--Web:Urls", $"http://127.0.0.1:{FreePort.Next()}", key, value];
        var (code, stdout, stderr) = await StationProcess.RunAsync(args, TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Equal("edgemobilenet: " + message, stderr.Trim());
        Assert.DoesNotContain("page:", stdout, StringComparison.Ordinal);
    }

    /// <summary>Mean absolute difference per channel between a JPEG and the conveyor's frame <paramref name="sequence"/>.</summary>
    private static double MeanAbsoluteDifference(byte[] jpeg, long sequence)
    {
        using var bitmap = SKBitmap.Decode(jpeg);
        var scene = Dataset.DemoScene;
        Assert.Equal(scene.Width, bitmap.Width);
        Assert.Equal(scene.Height, bitmap.Height);
        var rgb = new byte[scene.Width * scene.Height * 3];
        scene.Render(sequence, rgb);
        long sum = 0;
        for (var y = 0; y < scene.Height; y++)
        {
            for (var x = 0; x < scene.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                var i = ((y * scene.Width) + x) * 3;
                sum += Math.Abs(p.Red - rgb[i]) + Math.Abs(p.Green - rgb[i + 1]) + Math.Abs(p.Blue - rgb[i + 2]);
            }
        }

        return sum / (3.0 * scene.Width * scene.Height);
    }
}
