using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>The built executable, a real mosquitto, frames from ffmpeg through the pipe source.</summary>
public sealed class PipeToMqttTests
{
    [Fact]
    public async Task Five_hundred_piped_frames_give_five_hundred_events_in_order_then_stopped()
    {
        ExternalTool.Require("ffmpeg");
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/pipe1/#");
        const string ffmpeg = "ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=160x120:rate=100 -frames:v 500 -pix_fmt yuv420p -f rawvideo -";

        using var station = StationProcess.Start([
            "run", .. TestModels.ZooArgs,
            "--station-id", "pipe1",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-frames", "500",
            "--Source:Kind", "pipe", "--Source:Command", ffmpeg, "--Source:PixelFormat", "I420",
            "--Source:Width", "160", "--Source:Height", "120",
            "--Source:Lossless", "true", // a recording: every frame, none dropped
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Rules:0:Class", "0", "--Decision:Rules:0:Verdict", "reject", "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
        ]);
        var code = await station.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"exit {code}\n{station.Stderr}");
        Assert.True(await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/pipe1/available").Contains("stopped"), TimeSpan.FromSeconds(10)));

        var events = recorder.Payloads("edgemobilenet/pipe1/event").Select(StationEvent.Parse).ToArray();
        Assert.Equal(500, events.Length);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), events.Select(e => e.FrameSeq));
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), events.Select(e => e.Number));
        Assert.All(events, e => Assert.Equal("pipe1", e.Station));
        Assert.All(events, e => Assert.Equal("continuous", e.Trigger));
        Assert.Single(events.Select(e => e.Id[..e.Id.LastIndexOf('-')]).Distinct());
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Ts <= p.Second.Ts));
        Assert.Equal(["online", "stopped"], recorder.Payloads("edgemobilenet/pipe1/available"));

        var state = System.Text.Json.JsonDocument.Parse(recorder.Payloads("edgemobilenet/pipe1/state")[^1]).RootElement;
        Assert.Equal("stopped", state.GetProperty("status").GetString());
        Assert.Equal(500, state.GetProperty("classified").GetInt64());
        Assert.Equal(500, state.GetProperty("frames").GetInt64());
        Assert.Equal(0, state.GetProperty("dropped").GetInt64());
        var verdicts = state.GetProperty("verdicts");
        Assert.Equal(events.Count(e => e.Verdict == "reject"), verdicts.GetProperty("reject").GetInt64());
        Assert.Equal(events.Count(e => e.Verdict == "pass"), verdicts.GetProperty("pass").GetInt64());
    }
}
