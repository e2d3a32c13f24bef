using System.Text.Json;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Learn;

/// <summary>The training job's refusals and its end states, against the real demo station.</summary>
public sealed class TrainingApiTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task AJobIsOneAtATimeAndCancellable()
    {
        var backbone = TestAssets.ZooInt8;
        var dir = CopyCasting(60);
        await using var station = await WebStation.StartAsync(
            ["--Capture:Dir", dir, "--Capture:EveryN", "0", "--Capture:BelowScore", "0", "--Training:Backbone", backbone]);
        var (status, first) = await Dataset.PostAsync(station, "/api/training/start");
        Assert.Equal(202, status);
        Assert.Equal("running", first.GetProperty("state").GetString());
        (status, var second) = await Dataset.PostAsync(station, "/api/training/start");
        Assert.Equal(409, status);
        Assert.Equal("a training job is running (one at a time)", second.GetProperty("error").GetString());

        // Images in a class folder stay put while the job reads them.
        var id = (await station.GetJsonAsync("/api/captures?class=ok_front&limit=1")).GetProperty("items")[0].GetProperty("id").GetString()!;
        (status, var refused) = await Dataset.PostAsync(station, "/api/captures/delete", Dataset.Body([id]));
        Assert.Equal(409, status);
        Assert.Contains("which the running training job reads", refused.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);

        // Progress arrives, then the cancel ends the job.
        await WebStation.EventuallyAsync(async () => (await station.GetJsonAsync("/api/training")).GetProperty("progress").ValueKind == JsonValueKind.Object, Wait, "progress");
        (status, _) = await Dataset.PostAsync(station, "/api/training/cancel");
        Assert.Equal(200, status);
        JsonElement training = default;
        await WebStation.EventuallyAsync(async () => (training = await station.GetJsonAsync("/api/training")).GetProperty("state").GetString() != "running", Wait, "the job to end");
        Assert.Equal("cancelled", training.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, training.GetProperty("model").ValueKind);
        (status, _) = await Dataset.PostAsync(station, "/api/training/cancel");
        Assert.Equal(409, status);
        (status, var deploy) = await Dataset.PostAsync(station, "/api/training/deploy");
        Assert.Equal(409, status);
        Assert.StartsWith("no trained model yet", deploy.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooFewClassesAreRefusedAndWithoutABackboneTheRunningModelIsUsed()
    {
        var dir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(["--Capture:Dir", dir, "--Capture:EveryN", "2"]);
        await WebStation.EventuallyAsync(async () => (await station.GetJsonAsync("/api/captures")).GetProperty("total").GetInt32() >= 4, Wait, "4 captures");
        var ids = (await station.GetJsonAsync("/api/captures")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToArray();
        await Dataset.PostAsync(station, "/api/captures/label", Dataset.Body(ids[..2], "a"));
        var (status, body) = await Dataset.PostAsync(station, "/api/training/start");
        Assert.Equal(409, status);
        Assert.StartsWith("need at least two classes with images", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        // No Training:Backbone: the running model is the backbone (the colour demo model can be cut like a MobileNet).
        await Dataset.PostAsync(station, "/api/captures/label", Dataset.Body(ids[2..4], "b"));
        (status, _) = await Dataset.PostAsync(station, "/api/training/start");
        Assert.Equal(202, status);
        JsonElement training = default;
        await WebStation.EventuallyAsync(async () => (training = await station.GetJsonAsync("/api/training")).GetProperty("state").GetString() != "running", Wait, "the job to end");
        Assert.True(training.GetProperty("state").GetString() == "succeeded", training.ToString());
        Assert.Equal("colour-demo.onnx", training.GetProperty("backbone").GetString());
        Assert.Equal(["a", "b"], training.GetProperty("report").GetProperty("classes").EnumerateArray().Select(c => c.GetString()!));
        // The line goes on.
        var before = (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64();
        await WebStation.EventuallyAsync(async () => (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64() > before + 5, Wait, "more classifications");
    }

    /// <summary>The first <paramref name="perClass"/> casting photos of each class in a temporary dataset folder.</summary>
    private static string CopyCasting(int perClass)
    {
        var source = Path.Combine(TestAssets.Require("datasets/casting"), "train");
        var dir = TestAssets.NewTempDir();
        foreach (var cls in Directory.GetDirectories(source))
        {
            var target = Directory.CreateDirectory(Path.Combine(dir, Path.GetFileName(cls))).FullName;
            foreach (var file in Directory.GetFiles(cls).Order(StringComparer.Ordinal).Take(perClass))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        return dir;
    }
}
