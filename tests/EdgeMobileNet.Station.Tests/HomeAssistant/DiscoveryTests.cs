using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Tests.EndToEnd;
using EdgeMobileNet.Station.Tests.Support;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeMobileNet.Station.Tests.HomeAssistant;

public sealed partial class DiscoveryTests
{
    private static HomeAssistantDiscovery Discovery(bool commands, TriggerKind trigger, string url = "http://station.local:8080/") => new(
        new StationTopics("line3"),
        Options.Create(new MqttOptions { Commands = commands, DiscoveryUrl = url }),
        Options.Create(new StationOptions { Id = "line3" }),
        Options.Create(new TriggerOptions { Kind = trigger }));

    [Fact]
    public void The_discovery_payload_follows_home_assistants_device_discovery_schema_key_by_key()
    {
        var discovery = Discovery(commands: true, TriggerKind.Mqtt);
        var payload = JsonDocument.Parse(discovery.Payload()).RootElement;

        Assert.Equal("homeassistant/device/edgemobilenet_line3/config", discovery.ConfigTopic);
        Assert.Empty(DiscoverySchema.Check(payload));
        var cmps = payload.GetProperty("cmps").EnumerateObject().ToDictionary(c => c.Name, c => c.Value);
        Assert.Equal(
            ["backlog:sensor", "capture:button", "inspection:event", "label:sensor", "latency:sensor", "outputs:switch", "reject:binary_sensor",
             "reject_snapshot:image", "running:switch", "score:sensor", "threshold:number", "trigger:button"],
            cmps.Select(c => $"{c.Key}:{c.Value.GetProperty("p").GetString()}").Order(StringComparer.Ordinal));
        Assert.Equal(cmps.Count, cmps.Values.Select(c => c.GetProperty("uniq_id").GetString()).Distinct().Count());
        Assert.Equal("edgemobilenet/line3/available", payload.GetProperty("avty_t").GetString());
        Assert.Equal("EdgeMobileNet", payload.GetProperty("o").GetProperty("name").GetString());
        Assert.Equal("http://station.local:8080/", payload.GetProperty("o").GetProperty("url").GetString());
        Assert.Equal("edgemobilenet/line3/snapshot/reject", cmps["reject_snapshot"].GetProperty("image_topic").GetString());
        Assert.Equal("image/jpeg", cmps["reject_snapshot"].GetProperty("content_type").GetString());
        Assert.Equal("edgemobilenet/line3/cmd/trigger", cmps["trigger"].GetProperty("cmd_t").GetString());
        Assert.Equal("edgemobilenet/line3/cmd/capture", cmps["capture"].GetProperty("cmd_t").GetString());
        Assert.Equal("edgemobilenet/line3/cmd/set", cmps["threshold"].GetProperty("cmd_t").GetString());
        Assert.Equal("edgemobilenet/line3/config/state", cmps["outputs"].GetProperty("stat_t").GetString());
        Assert.Equal(["pass", "reject", "unknown"], cmps["inspection"].GetProperty("evt_typ").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void The_schema_check_catches_a_missing_unique_id_an_undocumented_key_and_a_wrong_type()
    {
        var json = Discovery(commands: true, TriggerKind.Mqtt).Payload();
        var broken = System.Text.Encoding.UTF8.GetString(json)
            .Replace("\"uniq_id\":\"edgemobilenet_line3_label\",", "", StringComparison.Ordinal)
            .Replace("\"min\":0", "\"min\":\"0\"", StringComparison.Ordinal)
            .Replace("\"content_type\":", "\"contenttype\":", StringComparison.Ordinal);

        var problems = DiscoverySchema.Check(JsonDocument.Parse(broken).RootElement);

        Assert.Contains("components.label.unique_id: required", problems);
        Assert.Contains("components.threshold.min: expected Number, got String", problems);
        Assert.Contains("components.reject_snapshot.contenttype: not a documented option", problems);
    }

    [Fact]
    public void Without_commands_there_is_nothing_to_set_and_without_the_mqtt_trigger_no_trigger_button()
    {
        var payload = JsonDocument.Parse(Discovery(commands: false, TriggerKind.Continuous, url: "").Payload()).RootElement;

        Assert.Empty(DiscoverySchema.Check(payload));
        var names = payload.GetProperty("cmps").EnumerateObject().Select(c => c.Name).ToArray();
        Assert.DoesNotContain("threshold", names);
        Assert.DoesNotContain("outputs", names);
        Assert.DoesNotContain("trigger", names);
        Assert.Contains("capture", names);
        Assert.False(payload.GetProperty("o").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task Discovery_is_retained_resent_when_home_assistant_comes_online_its_templates_match_the_payloads_and_remove_discovery_clears_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var ha = await MqttRecorder.StartAsync(broker.Port, "homeassistant/device/#");
        await using var station = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/ha1/#");
        const string topic = "homeassistant/device/edgemobilenet_ha1/config";
        var args = StationArgs.Demo("ha1", broker.Port, "--Mqtt:Commands", "true");
        using (var host = InProcessStation.Build(args, new RecordingOutbox()))
        {
            await host.StartAsync(ct);
            Assert.True(await ha.WaitForAsync(r => r.Payloads(topic).Count == 1, TimeSpan.FromSeconds(60)), "no discovery");
            Assert.True(await station.WaitForAsync(
                r => r.Payloads("edgemobilenet/ha1/event").Count > 0 && r.Payloads("edgemobilenet/ha1/config/state").Count > 0, TimeSpan.FromSeconds(60)), "no events");

            await ha.PublishAsync("homeassistant/status", "offline");
            await ha.PublishAsync("homeassistant/status", "online");
            Assert.True(await ha.WaitForAsync(r => r.Payloads(topic).Count == 2, TimeSpan.FromSeconds(30)), "not re-sent after homeassistant/status online");
            Assert.Equal(ha.Payloads(topic)[0], ha.Payloads(topic)[1]);
            await Task.Delay(500, ct);
            Assert.Equal(2, ha.Payloads(topic).Count); // `offline` sent nothing

            // Every value template reads fields the station really publishes on that entity's state topic.
            var discovery = JsonDocument.Parse(ha.Payloads(topic)[0]).RootElement;
            foreach (var c in discovery.GetProperty("cmps").EnumerateObject())
            {
                if (!c.Value.TryGetProperty("val_tpl", out var template))
                {
                    continue;
                }

                var stateTopic = c.Value.GetProperty("stat_t").GetString()!;
                var sample = JsonDocument.Parse(station.Payloads(stateTopic)[^1]).RootElement;
                foreach (Match m in Field().Matches(template.GetString()!))
                {
                    var e = sample;
                    foreach (var part in m.Groups[1].Value.Split('.'))
                    {
                        Assert.True(e.TryGetProperty(part, out e), $"{c.Name}: {stateTopic} has no {m.Groups[1].Value}");
                    }
                }
            }

            await host.StopAsync(ct);
        }

        await using (var late = await MqttRecorder.StartAsync(broker.Port, topic))
        {
            Assert.True(await late.WaitForAsync(r => r.Messages.Count == 1, TimeSpan.FromSeconds(10)));
            Assert.True(late.Messages[0].Retain);
        }

        using var stdout = new StringWriter();
        var code = await StationHost.RunAsync(new StationLaunch { ConfigArgs = args, RemoveDiscovery = true, Error = stdout }, ct);
        Assert.Equal(0, code);
        Assert.True(await ha.WaitForAsync(r => r.Payloads(topic).Count == 3, TimeSpan.FromSeconds(10)));
        Assert.Equal("", ha.Payloads(topic)[2]);
        await using var after = await MqttRecorder.StartAsync(broker.Port, topic);
        await Task.Delay(1000, ct);
        Assert.Empty(after.Messages); // the retained config is gone
        Assert.DoesNotContain(station.Payloads("edgemobilenet/ha1/available"), p => p == "offline"); // no will from the removal
    }

    [Fact]
    public async Task Remove_discovery_exits_1_naming_an_unreachable_broker_and_0_with_the_embedded_broker_not_running()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var error = new StringWriter();
        var external = await StationHost.RunAsync(
            new StationLaunch { ConfigArgs = ["--Mqtt:Host", "127.0.0.1", "--Mqtt:Port", port], RemoveDiscovery = true, Error = error }, ct);
        Assert.Equal(1, external);
        Assert.StartsWith($"edgemobilenet: --remove-discovery: MQTT broker 127.0.0.1:{port}: ", error.ToString(), StringComparison.Ordinal);

        var embedded = await StationHost.RunAsync(new StationLaunch { ConfigArgs = ["--Mqtt:Port", port], RemoveDiscovery = true, Error = error }, ct);
        Assert.Equal(0, embedded);

        var bad = await StationHost.RunAsync(new StationLaunch { ConfigArgs = ["--Mqtt:DiscoveryPrefix", "home/#"], RemoveDiscovery = true, Error = error }, ct);
        Assert.Equal(2, bad);
        Assert.Contains("edgemobilenet: Mqtt:DiscoveryPrefix: 'home/#' must be a topic without wildcards", error.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"value_json\.([a-z_]+(?:\.[a-z_]+)*)")]
    private static partial Regex Field();
}
