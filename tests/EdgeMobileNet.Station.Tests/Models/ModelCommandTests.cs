using System.Text.Json;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>`cmd/model` over a real mosquitto, downloads from a real HTTP server on loopback, real models.</summary>
public sealed class ModelCommandTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_url_with_its_sha256_is_downloaded_swapped_in_and_answered_on_model_state()
    {
        var dir = TestAssets.NewTempDir();
        var served = Directory.CreateDirectory(Path.Combine(dir, "served")).FullName;
        var tv = ModelSwapTests.TorchvisionWithLabels(served);
        var tvSha = ModelFiles.Sha256(tv);
        await using var broker = await MosquittoBroker.StartAsync();
        using var http = new LoopbackFileServer(served);
        await using var station = await SwapStation.StartAsync("cmdmodel1", Path.Combine(dir, "state"), broker.Port);
        await using var state = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/cmdmodel1/#");
        // The retained model/state is there from the connect hook: the model from Model:Path, no deployment yet.
        Assert.True(await state.WaitForAsync(r => r.Payloads("edgemobilenet/cmdmodel1/model/state").Count > 0, Long), "no model/state");
        var initial = JsonDocument.Parse(state.Payloads("edgemobilenet/cmdmodel1/model/state")[0]).RootElement;
        Assert.Equal(ModelFiles.Sha256(TestAssets.ZooInt8), initial.GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("last").ValueKind);
        Assert.Equal(1000, initial.GetProperty("labels").GetArrayLength());

        await state.PublishAsync("edgemobilenet/cmdmodel1/cmd/model", $$"""{"url":"{{http.UrlOf("tv-labelled.onnx")}}","sha256":"{{tvSha.ToUpperInvariant()}}"}""");

        Assert.True(await state.WaitForAsync(r => LastState(r) is { } s && s.GetProperty("last").ValueKind == JsonValueKind.Object, Long), "no answer");
        var answer = LastState(state)!.Value;
        var last = answer.GetProperty("last");
        Assert.True(last.GetProperty("ok").GetBoolean(), last.GetProperty("reason").ToString());
        Assert.Equal("mqtt", last.GetProperty("origin").GetString());
        Assert.True(last.GetProperty("pause_ms").GetDouble() >= 0);
        Assert.Equal(tvSha, answer.GetProperty("sha256").GetString());
        Assert.Equal("tv:tench, Tinca tinca", answer.GetProperty("labels")[0].GetString());
        Assert.Equal(Path.Combine(dir, "state", "models", tvSha + ".onnx"), answer.GetProperty("path").GetString());
        Assert.Equal(1, http.Requests);
        await station.WaitForEventsAsync(e => e.Any(x => x.Sha256 == tvSha), Long);
        // The retained state (health, counters) names the model classifying now.
        await station.WaitForEventsAsync(_ => state.Payloads("edgemobilenet/cmdmodel1/state").Any(p => p.Contains(tvSha, StringComparison.Ordinal)), Long);
        Assert.Empty(state.Payloads("edgemobilenet/cmdmodel1/error"));
    }

    public static TheoryData<string, string, string, string> Refusals => new()
    {
        // case, payload template ({url}, {sha}, {tv}, {junk}, {truncated}), expected error field, reason start
        { "wrong sha256", """{"url":"{url}tv-labelled.onnx","sha256":"{badsha}"}""", "sha256", "sha256: " },
        { "404", """{"url":"{url}missing.onnx","sha256":"{sha}"}""", "url", "download: {url}missing.onnx: HTTP 404" },
        { "truncated model", """{"path":"{truncated}"}""", "load", "load: " },
        { "not an ONNX file", """{"path":"{junk}"}""", "load", "load: " },
        { "labels break a rule", """{"path":"{tv}"}""", "rules", "rules: Decision:Rules:0:Class: no class 'tench, Tinca tinca'" },
        { "url without sha256", """{"url":"{url}tv-labelled.onnx"}""", "sha256", "request: required with url" },
        { "plain http to another host", """{"url":"http://example.com/m.onnx","sha256":"{sha}"}""", "url", "request: plain http:// is accepted only from a loopback host" },
        { "unknown field", """{"file":"{tv}"}""", "file", "request: unknown field 'file'" },
        { "missing file", """{"path":"{dir}/nothing.onnx"}""", "path", "path: file not found" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_model_leaves_the_running_one_and_answers_with_the_step(string name, string payload, string field, string reason)
    {
        var dir = TestAssets.NewTempDir();
        var served = Directory.CreateDirectory(Path.Combine(dir, "served")).FullName;
        var tv = ModelSwapTests.TorchvisionWithLabels(served);
        var tvSha = ModelFiles.Sha256(tv);
        var truncated = ModelFiles.Truncated(TestAssets.TorchvisionQdq, dir, 200_000);
        var junk = Path.Combine(dir, "junk.onnx");
        await File.WriteAllTextAsync(junk, "this is not a model\n", TestContext.Current.CancellationToken);
        var zooSha = ModelFiles.Sha256(TestAssets.ZooInt8);
        await using var broker = await MosquittoBroker.StartAsync();
        using var http = new LoopbackFileServer(served);
        string Fill(string t) => t.Replace("{url}", http.BaseUrl, StringComparison.Ordinal).Replace("{sha}", tvSha, StringComparison.Ordinal)
            .Replace("{badsha}", new string('0', 64), StringComparison.Ordinal).Replace("{tv}", tv, StringComparison.Ordinal)
            .Replace("{junk}", junk, StringComparison.Ordinal).Replace("{truncated}", truncated, StringComparison.Ordinal).Replace("{dir}", dir, StringComparison.Ordinal);
        await using var station = await SwapStation.StartAsync(
            "refuse1", Path.Combine(dir, "state"), broker.Port, "--Decision:Rules:0:Class", "tench, Tinca tinca", "--Decision:Rules:0:Verdict", "reject");
        await using var mqtt = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/refuse1/#");
        Assert.True(await mqtt.WaitForAsync(r => LastState(r) is not null, Long), "no model/state");

        await mqtt.PublishAsync("edgemobilenet/refuse1/cmd/model", Fill(payload));

        Assert.True(await mqtt.WaitForAsync(r => r.Payloads("edgemobilenet/refuse1/error").Count > 0, Long), $"{name}: no error");
        var error = JsonDocument.Parse(mqtt.Payloads("edgemobilenet/refuse1/error")[0]).RootElement;
        Assert.Equal("cmd/model", error.GetProperty("command").GetString());
        Assert.Equal(field, error.GetProperty("field").GetString());
        var text = error.GetProperty("reason").GetString()!;
        // The error names the field; its reason is the step's reason without the "request: " of a bad payload.
        Assert.StartsWith(Fill(reason).Replace("request: ", "", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text);
        Assert.True(await mqtt.WaitForAsync(r => LastState(r) is { } s && s.GetProperty("last").ValueKind == JsonValueKind.Object, Long), $"{name}: no model/state answer");
        var answer = LastState(mqtt)!.Value;
        Assert.False(answer.GetProperty("last").GetProperty("ok").GetBoolean());
        Assert.StartsWith(Fill(reason), answer.GetProperty("last").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(zooSha, answer.GetProperty("sha256").GetString());
        // The old model keeps classifying: new events after the refusal, all from it.
        var before = station.Parsed().Count;
        await station.WaitForEventsAsync(e => e.Count >= before + 3, Long);
        Assert.All(station.Parsed(), e => Assert.Equal(zooSha, e.Sha256));
        Assert.Equal(zooSha, station.Deployer.Current.Sha256);
        Assert.False(File.Exists(Path.Combine(dir, "state", "models", "active.json")));
    }

    /// <summary>The newest `model/state` received, or null.</summary>
    private static JsonElement? LastState(MqttRecorder recorder) =>
        recorder.Messages.LastOrDefault(m => m.Topic.EndsWith("/model/state", StringComparison.Ordinal)) is { Topic: not null } m
            ? JsonDocument.Parse(m.Payload).RootElement
            : null;
}
