using System.Text.Json;
using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Learn;

/// <summary>
/// The learning loop end to end, in one running station: the demo captures conveyor frames, they are labelled
/// through the HTTP API (by what each frame really shows), a model is trained in the station on the zoo's int8
/// MobileNetV2 backbone, deployed without a restart, and the next parts are classified by it: events carry its
/// sha256 and its labels, and it is right on frames it never saw.
/// </summary>
public sealed class LearnLoopTests
{
    private const int PerClass = 16;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task CapturedFramesLabelledOverHttpTrainADeployedModelThatClassifiesTheNextParts()
    {
        var backbone = TestAssets.ZooInt8;
        await using var broker = await MosquittoBroker.StartAsync();
        var dir = TestAssets.NewTempDir();
        var stateDir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(
        [
            "--Mqtt:Host", "127.0.0.1",
            "--Capture:Dir", dir, "--Capture:EveryN", "2",
            "--Training:Backbone", backbone, "--Training:Method", "linear", "--Training:Folds", "2",
        ], mqttPort: broker.Port, environment: new Dictionary<string, string> { ["STATE_DIRECTORY"] = stateDir });
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/demo/event");
        var startSha = (await station.GetJsonAsync("/api/state")).GetProperty("model").GetProperty("sha256").GetString()!;

        // Captures accumulate until both classes ("red", and "other" for every other colour and the empty belt)
        // have enough frames; a "human" labels each by what it shows.
        // The "human" labels red examples and, for "other", equally many of each thing that is not red (three part
        // colours and the empty belt): the first 16 "other" captures in id order could miss a colour altogether when
        // frames are dropped on a loaded machine, and the model then got only 52 of 70 "other" frames right.
        var inbox = Path.Combine(dir, ".inbox");
        var kinds = ColourDemoPalette.Labels.Where(l => l != "red").ToArray();
        Dictionary<string, JsonElement> sidecars = [];
        await WebStation.EventuallyAsync(
            () =>
            {
                sidecars = Dataset.Sidecars(inbox);
                var groups = sidecars.GroupBy(s => Dataset.Truth(s.Value)).ToDictionary(g => g.Key, g => g.Count());
                return Task.FromResult(groups.GetValueOrDefault("red") >= PerClass && kinds.All(k => groups.GetValueOrDefault(k) >= PerClass / kinds.Length));
            },
            Wait,
            $"{PerClass} captures of red parts and {PerClass / kinds.Length} of each of {string.Join(", ", kinds)}");
        string[] Ids(string truth, int count) =>
            [.. sidecars.Where(s => Dataset.Truth(s.Value) == truth).Select(s => s.Key).Order(StringComparer.Ordinal).Take(count)];
        foreach (var (cls, ids) in new[] { ("red", Ids("red", PerClass)), ("other", kinds.SelectMany(k => Ids(k, PerClass / kinds.Length)).ToArray()) })
        {
            var (status, body) = await Dataset.PostAsync(station, "/api/captures/label", Dataset.Body(ids, cls));
            Assert.Equal(200, status);
            Assert.Equal(PerClass, body.GetProperty("changed").GetInt32());
        }

        // Train in the station; a second start while it runs is refused.
        var (started, _) = await Dataset.PostAsync(station, "/api/training/start");
        Assert.Equal(202, started);
        JsonElement training = default;
        await WebStation.EventuallyAsync(
            async () => (training = await station.GetJsonAsync("/api/training")).GetProperty("state").GetString() != "running",
            TimeSpan.FromMinutes(5),
            "the training job to end");
        Assert.True(training.GetProperty("state").GetString() == "succeeded", training.ToString());
        var report = training.GetProperty("report");
        Assert.Equal(["other", "red"], report.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!));
        Assert.Equal(2, report.GetProperty("folds").GetInt32());
        Assert.Equal(2 * PerClass, report.GetProperty("confusion").EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        var model = training.GetProperty("model");
        var trainedSha = model.GetProperty("sha256").GetString()!;
        var trainedFile = Path.Combine(stateDir, "trained", model.GetProperty("file").GetString()!);
        Assert.Equal(trainedSha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(trainedFile, TestContext.Current.CancellationToken))));
        Assert.True(File.Exists(trainedFile + ".json"));

        // Deploy without a restart.
        var (deployed, outcome) = await Dataset.PostAsync(station, "/api/training/deploy");
        Assert.True(deployed == 200, outcome.ToString());
        Assert.True(outcome.GetProperty("swapped").GetBoolean());
        Assert.Equal(trainedSha, outcome.GetProperty("sha256").GetString());
        var state = await station.GetJsonAsync("/api/state");
        Assert.Equal(trainedSha, state.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(["other", "red"], state.GetProperty("model").GetProperty("labels").EnumerateArray().Select(c => c.GetString()!));

        // The next parts: events from the new model (its sha256; "other" is a label only it has), right on frames
        // captured after training (never seen by it), red rejected by the demo's rule. One part in five is red and
        // a part spans four frames, so 80 frames may hold no red part at all (1 run in 90): wait for two red parts.
        var fromNew = new List<JsonElement>();
        Assert.True(
            await recorder.WaitForAsync(
                r =>
                {
                    fromNew = [.. r.Payloads("edgemobilenet/demo/event").Select(p => JsonDocument.Parse(p).RootElement).Where(e => e.GetProperty("model_sha256").GetString() == trainedSha)];
                    return fromNew.Count >= 80 && fromNew.Count(e => TruthOf(e) == "red") >= 8;
                },
                Wait),
            "80 events from the deployed model, 8 of them of red parts");
        Assert.Contains(recorder.Payloads("edgemobilenet/demo/event"), p => p.Contains(startSha, StringComparison.Ordinal));
        Assert.Contains(fromNew, e => e.GetProperty("label").GetString() == "other");
        Assert.Contains(fromNew, e => e.GetProperty("label").GetString() == "red");
        // Each class on its own: "other" is most frames, so a model that never says "red" would still be right on
        // most of them. Runs on a loaded 2-core machine (load 9-29, alone and in the whole Web suite): red 100 %
        // (8-24 frames), other 89-100 % (five runs); before "other" took each kind alike, other fell to 74 % once.
        var red = Recall(fromNew, "red");
        var other = Recall(fromNew, "other");
        var wrong = string.Join(", ", fromNew.Where(e => e.GetProperty("label").GetString() != TruthOf(e))
            .GroupBy(e => Dataset.DemoScene.LabelAt(e.GetProperty("frame_seq").GetInt64())).Select(g => $"{g.Key} {g.Count()}"));
        var result = $"deployed model right on red {red.Right} of {red.Count} frames and other {other.Right} of {other.Count} after the swap (wrong: {(wrong.Length > 0 ? wrong : "none")}); held-out accuracy in its report {report.GetProperty("held_out_accuracy_int8")}";
        TestContext.Current.TestOutputHelper?.WriteLine(result);
        Assert.True(red.Right >= red.Count * 0.75 && other.Right >= other.Count * 0.75, result);
        Assert.All(fromNew, e => Assert.Equal(e.GetProperty("label").GetString() == "red" ? "reject" : "pass", e.GetProperty("verdict").GetString()));
    }

    private static string ClassOf(string truth) => truth == "red" ? "red" : "other";

    /// <summary>What the event's frame really shows, as the trained classes name it.</summary>
    private static string TruthOf(JsonElement e) => ClassOf(Dataset.DemoScene.LabelAt(e.GetProperty("frame_seq").GetInt64()));

    /// <summary>Events of frames that show <paramref name="cls"/>, and how many of them the model labelled so.</summary>
    private static (int Count, int Right) Recall(List<JsonElement> events, string cls)
    {
        var of = events.Where(e => TruthOf(e) == cls).ToList();
        return (of.Count, of.Count(e => e.GetProperty("label").GetString() == cls));
    }
}
