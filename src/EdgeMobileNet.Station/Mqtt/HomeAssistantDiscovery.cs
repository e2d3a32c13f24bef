using System.Text.Json;
using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// Home Assistant MQTT device discovery: one retained message on `&lt;prefix&gt;/device/edgemobilenet_&lt;id&gt;/config`
/// describing the station as one device with its entities (`cmps`), built on the station's own topics (no extra
/// state topics). Posted on every connect and whenever Home Assistant announces itself (`&lt;prefix&gt;/status`
/// `online`, <see cref="HomeAssistantStatusCommand"/>). Payload and entities: docs/mqtt.md.
/// </summary>
internal sealed class HomeAssistantDiscovery : IMqttConnectHook
{
    private readonly StationTopics _topics;
    private readonly MqttOptions _mqtt;
    private readonly string _stationId;
    private readonly bool _mqttTrigger;

    public HomeAssistantDiscovery(StationTopics topics, IOptions<MqttOptions> mqtt, IOptions<StationOptions> station, IOptions<TriggerOptions> trigger)
    {
        _topics = topics;
        _mqtt = mqtt.Value;
        _stationId = station.Value.Id;
        _mqttTrigger = trigger.Value.Kind == TriggerKind.Mqtt;
    }

    /// <summary>`&lt;prefix&gt;/device/edgemobilenet_&lt;id&gt;/config`.</summary>
    public string ConfigTopic => $"{_mqtt.DiscoveryPrefix}/device/{NodeId}/config";

    /// <summary>`&lt;prefix&gt;/status`: Home Assistant's birth (`online`) and last will (`offline`).</summary>
    public string StatusTopic => $"{_mqtt.DiscoveryPrefix}/status";

    /// <summary>The device's identifier and the prefix of every entity's unique id.</summary>
    public string NodeId => "edgemobilenet_" + _stationId;

    public static string Version => typeof(HomeAssistantDiscovery).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public void Connected(MqttNotices notices) => Post(notices);

    public void Post(MqttNotices notices)
    {
        if (_mqtt.Discovery)
        {
            notices.PostLatest(ConfigTopic, Payload());
        }
    }

    public byte[] Payload()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("dev");
            w.WriteStartArray("ids");
            w.WriteStringValue(NodeId);
            w.WriteEndArray();
            w.WriteString("name", $"EdgeMobileNet {_stationId}");
            w.WriteString("mf", "EdgeMobileNet");
            w.WriteString("mdl", "Edge vision station");
            w.WriteString("sw", Version);
            if (_mqtt.DiscoveryUrl.Length > 0)
            {
                w.WriteString("cu", _mqtt.DiscoveryUrl);
            }

            w.WriteEndObject();
            w.WriteStartObject("o");
            w.WriteString("name", "EdgeMobileNet");
            w.WriteString("sw", Version);
            if (_mqtt.DiscoveryUrl.Length > 0)
            {
                w.WriteString("url", _mqtt.DiscoveryUrl);
            }

            w.WriteEndObject();

            // Shared by every entity: the station's retained `available`; `stopped` (clean exit) counts as offline.
            w.WriteString("avty_t", _topics.Available);
            w.WriteString("avty_tpl", "{{ 'online' if value == 'online' else 'offline' }}");
            w.WriteString("pl_avail", "online");
            w.WriteString("pl_not_avail", "offline");
            w.WriteNumber("qos", 1);
            w.WriteStartObject("cmps");
            WriteComponents(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private void WriteComponents(Utf8JsonWriter w)
    {
        Component(w, "label", "sensor", "Label", c =>
        {
            c.WriteString("stat_t", _topics.Event);
            c.WriteString("val_tpl", "{{ value_json.label }}");
            c.WriteString("ic", "mdi:tag-outline");
        });
        Component(w, "score", "sensor", "Score", c =>
        {
            c.WriteString("stat_t", _topics.Event);
            c.WriteString("val_tpl", "{{ value_json.score }}");
            c.WriteString("stat_cla", "measurement");
        });
        Component(w, "latency", "sensor", "Latency", c =>
        {
            c.WriteString("stat_t", _topics.Event);
            c.WriteString("val_tpl", "{{ value_json.latency_ms.total }}");
            c.WriteString("unit_of_meas", "ms");
            c.WriteString("dev_cla", "duration");
            c.WriteString("stat_cla", "measurement");
        });
        Component(w, "backlog", "sensor", "Event backlog", c =>
        {
            c.WriteString("stat_t", _topics.State);
            c.WriteString("val_tpl", "{{ value_json.backlog.count }}");
            c.WriteString("stat_cla", "measurement");
            c.WriteString("ent_cat", "diagnostic");
        });
        Component(w, "reject", "binary_sensor", "Last verdict reject", c =>
        {
            c.WriteString("stat_t", _topics.State);
            c.WriteString("val_tpl", "{{ 'ON' if value_json.verdict == 'reject' else 'OFF' }}");
            c.WriteString("dev_cla", "problem");
        });
        Component(w, "inspection", "event", "Inspection", c =>
        {
            c.WriteString("stat_t", _topics.Event);
            c.WriteStartArray("evt_typ");
            c.WriteStringValue("pass");
            c.WriteStringValue("reject");
            c.WriteStringValue("unknown");
            c.WriteEndArray();
            c.WriteString("val_tpl", "{{ {'event_type': value_json.verdict, 'label': value_json.label, 'score': value_json.score, 'id': value_json.id} | tojson }}");
        });
        Component(w, "reject_snapshot", "image", "Last reject", c =>
        {
            c.WriteString("image_topic", _topics.RejectSnapshot);
            c.WriteString("content_type", "image/jpeg");
        });
        if (_mqttTrigger)
        {
            Component(w, "trigger", "button", "Trigger", c =>
            {
                c.WriteString("cmd_t", _topics.TriggerCommand);
                c.WriteString("pl_prs", "PRESS");
            });
        }

        Component(w, "capture", "button", "Capture frame", c =>
        {
            c.WriteString("cmd_t", _topics.CaptureCommand);
            c.WriteString("pl_prs", "PRESS");
        });
        if (!_mqtt.Commands)
        {
            return; // without cmd/set the settings below could not be changed from Home Assistant
        }

        Component(w, "threshold", "number", "Score threshold", c =>
        {
            c.WriteString("cmd_t", _topics.SetCommand);
            c.WriteString("cmd_tpl", "{\"threshold\": {{ value }}}");
            c.WriteString("stat_t", _topics.ConfigState);
            c.WriteString("val_tpl", "{{ value_json.threshold }}");
            c.WriteNumber("min", 0);
            c.WriteNumber("max", 1);
            c.WriteNumber("step", 0.01);
            c.WriteString("mode", "box");
            c.WriteString("ent_cat", "config");
        });
        Switch(w, "outputs", "GPIO outputs", "{\"outputs\": true}", "{\"outputs\": false}", "{{ 'ON' if value_json.outputs else 'OFF' }}");
        Switch(w, "running", "Inspection running", "{\"paused\": false}", "{\"paused\": true}", "{{ 'OFF' if value_json.paused else 'ON' }}");
    }

    private void Switch(Utf8JsonWriter w, string id, string name, string on, string off, string template) =>
        Component(w, id, "switch", name, c =>
        {
            c.WriteString("cmd_t", _topics.SetCommand);
            c.WriteString("pl_on", on);
            c.WriteString("pl_off", off);
            c.WriteString("stat_t", _topics.ConfigState);
            c.WriteString("val_tpl", template);
            c.WriteString("stat_on", "ON");
            c.WriteString("stat_off", "OFF");
            c.WriteString("ent_cat", "config");
        });

    private void Component(Utf8JsonWriter w, string id, string platform, string name, Action<Utf8JsonWriter> body)
    {
        w.WriteStartObject(id);
        w.WriteString("p", platform);
        w.WriteString("name", name);
        w.WriteString("uniq_id", $"{NodeId}_{id}");
        body(w);
        w.WriteEndObject();
    }
}
