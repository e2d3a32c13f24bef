using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Health as a dashboard sees it on a real mosquitto: `state.status` and `state.reason`, and `available`.</summary>
public sealed class HealthStateTests
{
    [Fact]
    public async Task A_source_fault_publishes_fault_with_the_reason_and_leaves_available_offline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/fault1/#");
        var dir = TestImages.Folder([], "broken.jpg");
        var (code, _, stderr) = await StationProcess.RunAsync(Args(broker.Port, "fault1", dir), TimeSpan.FromSeconds(60));

        Assert.True(code == 1, $"a fault must not exit like a clean stop; exit {code}: {stderr}");
        Assert.True(await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/fault1/available").Count >= 2, TimeSpan.FromSeconds(10)), stderr);
        Assert.Equal(["online", "offline"], recorder.Payloads("edgemobilenet/fault1/available"));
        var state = JsonDocument.Parse(recorder.Payloads("edgemobilenet/fault1/state")[^1]).RootElement;
        Assert.Equal("fault", state.GetProperty("status").GetString());
        Assert.Equal($"frame source: Source:Path: none of the 1 images in {dir} can be read", state.GetProperty("reason").GetString());
        Assert.Contains("Pipeline fault in frame source: Source:Path: none of the 1 images", stderr);
    }

    [Fact]
    public async Task A_source_that_delivers_nothing_makes_the_station_degraded_with_the_reason()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/quiet1/state");
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--station-id", "quiet1",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--Source:Kind", "pipe", "--Source:Command", "sleep 60", "--Source:StallTimeoutMs", "0",
            "--Station:NoFramesSeconds", "0.5", "--Gpio:Driver", "simulated",
        ]);
        var degraded = await recorder.WaitForAsync(
            r => r.Payloads("edgemobilenet/quiet1/state").Any(p => p.Contains("\"degraded\"", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(degraded, station.Stderr);
        var state = recorder.Payloads("edgemobilenet/quiet1/state").Select(p => JsonDocument.Parse(p).RootElement)
            .First(s => s.GetProperty("status").GetString() == "degraded");
        Assert.Equal("no frames for 0.5 s", state.GetProperty("reason").GetString());
        Assert.Equal(["no frames for 0.5 s"], state.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("No frames from the source for 0.5 s (Station:NoFramesSeconds): degraded", station.Stderr);
    }

    [Fact]
    public async Task An_unreadable_image_is_skipped_counted_and_reported()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/skip1/#");
        var dir = TestImages.Folder(["cat.jpg", "dog.jpg"], "b-broken.jpg");
        // Two frames a second: the broken image (first by name) is skipped at once, and the station stays degraded
        // for the second it takes to classify the other two, well past the 100 ms in which a connected station
        // publishes a change of health. At full rate the run could end before the broker connection is up, and a
        // state published only once stopped has no trace of it.
        var (code, _, stderr) = await StationProcess.RunAsync(Args(broker.Port, "skip1", dir, rate: 2), TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.True(await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/skip1/available").Contains("stopped"), TimeSpan.FromSeconds(10)), stderr);
        // Two images classified. Delivery is at least once: a repeat after a slow acknowledgement has the same id.
        Assert.Equal(2, recorder.Payloads("edgemobilenet/skip1/event").Select(p => JsonDocument.Parse(p).RootElement.GetProperty("id").GetString()).Distinct().Count());
        var states = recorder.Payloads("edgemobilenet/skip1/state").Select(p => JsonDocument.Parse(p).RootElement).ToArray();
        Assert.Contains(states, s => s.GetProperty("status").GetString() == "degraded"
            && s.GetProperty("reason").GetString() == "1 images skipped (last: b-broken.jpg)");
        Assert.Equal(1, states[^1].GetProperty("skipped").GetInt64());
        Assert.Equal("stopped", states[^1].GetProperty("status").GetString());
        Assert.Contains($"Source:Path: skipped an unreadable image {Path.Combine(dir, "b-broken.jpg")}", stderr);
    }

    [Fact]
    public async Task A_wrong_mqtt_password_is_reported_as_such()
    {
        ExternalTool.Require("mosquitto_passwd");
        await using var broker = await MosquittoBroker.StartAsync(("station", "right-password"));
        using var station = StationProcess.Start([
            .. Args(broker.Port, "auth1", TestImages.Folder(["cat.jpg"])),
            "--Source:Loop", "true", "--Mqtt:Username", "station", "--Mqtt:Password", "wrong-password",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!station.Stderr.Contains("failed (", StringComparison.Ordinal) && !station.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        station.Terminate();
        await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("the broker refused the connection: wrong user name or password, or not authorised (Mqtt:Username, Mqtt:Password)", station.Stderr);
        Assert.DoesNotContain("is not connected", station.Stderr);
    }

    [Fact]
    public async Task Sigterm_is_a_clean_stop_not_the_end_of_frames_and_an_idle_summary_has_no_nan()
    {
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        using var station = StationProcess.Start([
            "run", .. TestModels.DemoArgs, "--Mqtt:Port", port, "--Trigger:Kind", "mqtt", "--Gpio:Driver", "simulated",
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!station.Stderr.Contains("MQTT connected", StringComparison.Ordinal) && !station.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        station.Terminate();
        var code = await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.True(code == 0, $"exit {code}: {station.Stderr}");
        Assert.DoesNotContain("no more frames", station.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("NaN", station.Stderr, StringComparison.Ordinal);
        Assert.Contains("trigger→verdict: no samples", station.Stderr);
        Assert.Contains("MQTT: published state stopped and available stopped", station.Stderr);
    }

    private static string[] Args(int port, string id, string folder, int rate = 0) =>
    [
        "run", .. TestModels.ZooArgs, "--station-id", id,
        "--mqtt-host", "127.0.0.1", "--mqtt-port", port.ToString(CultureInfo.InvariantCulture),
        "--Source:Kind", "files", "--Source:Path", folder, "--Source:Loop", "false", "--Source:Rate", rate.ToString(CultureInfo.InvariantCulture), "--Source:Lossless", "true",
        "--Trigger:Kind", "continuous", "--Trigger:Rate", "0", "--Decision:Default", "pass", "--Gpio:Driver", "simulated",
    ];
}
