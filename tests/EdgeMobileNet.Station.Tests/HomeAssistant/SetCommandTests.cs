using System.Device.Gpio;
using System.Text.Json;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.EndToEnd;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeMobileNet.Station.Tests.HomeAssistant;

/// <summary>`cmd/set` on a real mosquitto: each setting changes what the line does, is echoed on the retained
/// `config/state`, is saved and comes back after a restart; refused values are answered on `error`, nothing changed.</summary>
public sealed class SetCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Threshold_outputs_pause_and_rate_act_on_the_line_and_are_echoed_on_config_state()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var mqtt = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/set1/#");
        var state = TestAssets.NewTempDir();
        using var host = InProcessStation.Build(
            StationArgs.Demo("set1", broker.Port, "--Mqtt:Commands", "true", "--Station:StateDir", state, "--Decision:Threshold", "0.2"), new RecordingOutbox());
        await host.StartAsync(ct);
        var echo = await Echoes(mqtt, 1);
        Assert.Equal(0.2, echo.GetProperty("threshold").GetDouble());
        Assert.True(echo.GetProperty("outputs").GetBoolean());
        Assert.False(echo.GetProperty("paused").GetBoolean());
        Assert.Equal("continuous", echo.GetProperty("trigger").GetString());
        Assert.True(await mqtt.WaitForAsync(r => Verdicts(r).Contains("pass") && Verdicts(r).Contains("reject"), Wait), "no pass and reject");

        // Events are judged by their decision time (`ts`), not by when they arrive: delivery runs behind on a busy
        // machine. Threshold 1: no score reaches it, every verdict decided after the echo is the low-score verdict.
        await mqtt.PublishAsync("edgemobilenet/set1/cmd/set", """{"threshold": 1}""");
        var set = await Echoes(mqtt, 2);
        Assert.Equal(1.0, set.GetProperty("threshold").GetDouble());
        var after = Ts(set) + TimeSpan.FromSeconds(1); // a frame being decided at the echo may use the old one (and a loaded machine may hold that thread a while)
        Assert.True(await mqtt.WaitForAsync(r => Events(r).Count(e => e.Ts > after) >= 10, Wait));
        Assert.All(Events(mqtt).Where(e => e.Ts > after), e => Assert.Equal("unknown", e.Verdict));
        await mqtt.PublishAsync("edgemobilenet/set1/cmd/set", """{"threshold": 0.2}""");
        await Echoes(mqtt, 3);

        // Outputs off: the pass lamp (a level output) goes to its safe level and stays there while passes go on.
        var driver = host.Services.GetRequiredService<SimulatedGpioDriver>();
        Assert.True(await Poll.UntilAsync(() => driver.Level(27) == PinValue.High, Wait), "the pass lamp never lit");
        await mqtt.PublishAsync("edgemobilenet/set1/cmd/set", """{"outputs": false}""");
        Assert.False((await Echoes(mqtt, 4)).GetProperty("outputs").GetBoolean());
        var mark = Verdicts(mqtt).Count;
        Assert.True(await mqtt.WaitForAsync(r => Verdicts(r).Skip(mark).Count(v => v == "pass") >= 5 && Verdicts(r).Skip(mark).Contains("reject"), Wait));
        Assert.Equal(PinValue.Low, driver.Level(27));
        Assert.Equal(PinValue.Low, driver.Level(17));
        await mqtt.PublishAsync("edgemobilenet/set1/cmd/set", """{"outputs": true}""");
        await Echoes(mqtt, 5);
        Assert.True(await Poll.UntilAsync(() => driver.Level(27) == PinValue.High, Wait), "the pass lamp stayed off after outputs were enabled");

        // Pause: no classification until resumed.
        await mqtt.PublishAsync("edgemobilenet/set1/cmd/set", """{"paused": true}""");
        var paused = await Echoes(mqtt, 6);
        Assert.True(paused.GetProperty("paused").GetBoolean());
        await Task.Delay(1000, ct); // a frame being classified when the command arrived may still finish
        var counters = host.Services.GetRequiredService<RunState>().Counters;
        var (classified, dropped) = (counters.Classified, counters.Dropped);
        await Task.Delay(1500, ct);
        Assert.Equal(classified, counters.Classified);
        Assert.Equal(dropped, counters.Dropped); // frames nobody takes while paused are not "dropped"
        Assert.DoesNotContain(Events(mqtt), e => e.Ts > Ts(paused) + TimeSpan.FromSeconds(0.5));
        await mqtt.PublishAsync("edgemobilenet/set1/cmd/set", """{"paused": false, "rate": 2}""");
        var resumed = await Echoes(mqtt, 7);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        Assert.Equal(2, resumed.GetProperty("rate").GetDouble());
        // Rate 2/s (the source makes 15): in 3 s of decisions at most 2 a second, plus one at the start of the window.
        var from = Ts(resumed) + TimeSpan.FromSeconds(0.5);
        var to = from + TimeSpan.FromSeconds(3);
        Assert.True(await mqtt.WaitForAsync(r => Events(r).Any(e => e.Ts > to), Wait), "not resumed");
        Assert.InRange(Events(mqtt).Count(e => e.Ts > from && e.Ts <= to), 1, 7);
        await host.StopAsync(ct);

        var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "settings.json"))).RootElement;
        Assert.Equal(0.2, saved.GetProperty("threshold").GetDouble());
        Assert.Equal(2, saved.GetProperty("rate").GetDouble());
        Assert.False(saved.GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Refused_values_name_the_field_on_error_and_change_nothing_and_saved_settings_override_the_configuration_at_the_next_start()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var mqtt = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/set2/#");
        var state = TestAssets.NewTempDir();
        var args = StationArgs.Demo("set2", broker.Port, "--Mqtt:Commands", "true", "--Station:StateDir", state, "--Trigger:Kind", "mqtt");
        using (var host = InProcessStation.Build(args, new RecordingOutbox()))
        {
            await host.StartAsync(ct);
            await Echoes(mqtt, 1);
            string[] refused =
            [
                """{"threshold": 1.5}""", """{"threshold": "0.5"}""", """{"outputs": "no"}""", """{"threshold": 0.5, "colour": 1}""",
                """{"rate": 5}""", """not json""", """[1]""",
            ];
            foreach (var payload in refused)
            {
                await mqtt.PublishAsync("edgemobilenet/set2/cmd/set", payload);
            }

            Assert.True(await mqtt.WaitForAsync(r => r.Payloads("edgemobilenet/set2/error").Count == refused.Length, Wait));
            var errors = mqtt.Payloads("edgemobilenet/set2/error").Select(e => JsonDocument.Parse(e).RootElement).ToArray();
            Assert.All(errors, e => Assert.Equal("cmd/set", e.GetProperty("command").GetString()));
            Assert.Equal(
                ["threshold", "threshold", "outputs", "colour", "rate", null, null],
                errors.Select(e => e.GetProperty("field").GetString()));
            Assert.Contains("expected a number 0..1, got 1.5", errors[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("applies only to Trigger:Kind continuous", errors[4].GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Single(mqtt.Payloads("edgemobilenet/set2/config/state")); // nothing changed, nothing echoed
            Assert.Equal(0, host.Services.GetRequiredService<LiveSettings>().Threshold); // not even the valid half of a refused message
            Assert.False(File.Exists(Path.Combine(state, "settings.json")));

            // Paused, a cmd/trigger is counted and ignored; resumed, it classifies again.
            var counters = host.Services.GetRequiredService<RunState>().Counters;
            await mqtt.PublishAsync("edgemobilenet/set2/cmd/set", """{"paused": true}""");
            await Echoes(mqtt, 2);
            await mqtt.PublishAsync("edgemobilenet/set2/cmd/trigger", "");
            Assert.True(await Poll.UntilAsync(() => counters.Triggers == 1, Wait));
            await Task.Delay(1000, ct);
            Assert.Empty(Verdicts(mqtt));
            await mqtt.PublishAsync("edgemobilenet/set2/cmd/set", """{"paused": false}""");
            await Echoes(mqtt, 3);
            await mqtt.PublishAsync("edgemobilenet/set2/cmd/trigger", "");
            Assert.True(await mqtt.WaitForAsync(r => Verdicts(r).Count == 1, Wait), "no classification after resume");

            await mqtt.PublishAsync("edgemobilenet/set2/cmd/set", """{"threshold": 0.42, "outputs": false}""");
            await Echoes(mqtt, 4);
            await host.StopAsync(ct);
        }

        // The saved settings win over the configuration at the next start, and are echoed at connect.
        using (var again = InProcessStation.Build(args, new RecordingOutbox()))
        {
            Assert.Equal(new LiveValues(0.42, Outputs: false, Paused: false, Rate: 0), again.Services.GetRequiredService<LiveSettings>().Current);
            await again.StartAsync(ct);
            var echo = await Echoes(mqtt, 5);
            Assert.Equal(0.42, echo.GetProperty("threshold").GetDouble());
            Assert.False(echo.GetProperty("outputs").GetBoolean());
            await again.StopAsync(ct);
        }

        // With commands off the file is ignored (the configuration applies) and cmd/set is refused as a whole.
        using (var off = InProcessStation.Build([.. args, "--Mqtt:Commands", "false"], new RecordingOutbox()))
        {
            Assert.Equal(0, off.Services.GetRequiredService<LiveSettings>().Threshold);
            await off.StartAsync(ct);
            await Echoes(mqtt, 6);
            await mqtt.PublishAsync("edgemobilenet/set2/cmd/set", """{"threshold": 0.9}""");
            Assert.True(await mqtt.WaitForAsync(r => r.Payloads("edgemobilenet/set2/error").Count == 8, Wait));
            var error = JsonDocument.Parse(mqtt.Payloads("edgemobilenet/set2/error")[^1]).RootElement;
            Assert.Equal(JsonValueKind.Null, error.GetProperty("field").ValueKind);
            Assert.Contains("Mqtt:Commands", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await off.StopAsync(ct);
        }
    }

    [Fact]
    public async Task A_saved_settings_file_that_cannot_be_read_stops_the_start_with_one_line_naming_the_file_and_field()
    {
        var state = TestAssets.NewTempDir();
        File.WriteAllText(Path.Combine(state, "settings.json"), """{"threshold": "high"}""");
        using var error = new StringWriter();
        var code = await StationHost.RunAsync(
            new StationLaunch { ConfigArgs = [.. TestModels.DemoArgs, "--Mqtt:Commands", "true", "--Station:StateDir", state, "--Gpio:Driver", "simulated", "--Source:Kind", "synthetic"], Error = error },
            TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.StartsWith($"edgemobilenet: {Path.Combine(state, "settings.json")}: threshold: must be a number 0..1, got \"high\"", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The <paramref name="count"/>th `config/state` echo, once it has arrived.</summary>
    private static async Task<JsonElement> Echoes(MqttRecorder mqtt, int count)
    {
        static string[] Echo(MqttRecorder r) => [.. r.Messages.Where(m => m.Topic.EndsWith("/config/state", StringComparison.Ordinal)).Select(m => m.Payload)];
        Assert.True(await mqtt.WaitForAsync(r => Echo(r).Length >= count, Wait), $"config/state echo {count} missing");
        return JsonDocument.Parse(Echo(mqtt)[count - 1]).RootElement;
    }

    private static DateTimeOffset Ts(JsonElement e) => e.GetProperty("ts").GetDateTimeOffset();

    /// <summary>Every event received: its decision time and verdict.</summary>
    private static List<(DateTimeOffset Ts, string Verdict)> Events(MqttRecorder r) =>
    [
        .. r.Messages.Where(m => m.Topic.EndsWith("/event", StringComparison.Ordinal))
            .Select(m => JsonDocument.Parse(m.Payload).RootElement)
            .Select(e => (Ts(e), e.GetProperty("verdict").GetString()!)),
    ];

    private static List<string> Verdicts(MqttRecorder r) =>
        [.. r.Messages.Where(m => m.Topic.EndsWith("/event", StringComparison.Ordinal)).Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("verdict").GetString()!)];
}
