using System.Text.Json;

namespace EdgeMobileNet.Station.Tests.HomeAssistant;

/// <summary>
/// Home Assistant's documented rules for MQTT device-based discovery, written down as data (from the MQTT
/// integration's "Discovery" page and each platform's page: sensor, binary_sensor, event, image, button, number,
/// switch; the abbreviation table of the MQTT integration). A payload is checked key by key: abbreviations expanded,
/// every required key present, no key the platform does not document, each value of the documented type.
/// </summary>
internal static class DiscoverySchema
{
    public enum T
    {
        String,
        Bool,
        Int,
        Number,
        StringList,
        Object,
        StringOrList,
    }

    /// <summary>The abbreviations the payload may use (MQTT integration, "Using abbreviations").</summary>
    public static readonly Dictionary<string, string> Abbreviations = new()
    {
        ["p"] = "platform", ["uniq_id"] = "unique_id", ["stat_t"] = "state_topic", ["cmd_t"] = "command_topic",
        ["cmd_tpl"] = "command_template", ["val_tpl"] = "value_template", ["avty_t"] = "availability_topic",
        ["avty_tpl"] = "availability_template", ["pl_avail"] = "payload_available", ["pl_not_avail"] = "payload_not_available",
        ["unit_of_meas"] = "unit_of_measurement", ["dev_cla"] = "device_class", ["stat_cla"] = "state_class",
        ["ent_cat"] = "entity_category", ["ic"] = "icon", ["evt_typ"] = "event_types", ["pl_prs"] = "payload_press",
        ["pl_on"] = "payload_on", ["pl_off"] = "payload_off", ["stat_on"] = "state_on", ["stat_off"] = "state_off",
        ["dev"] = "device", ["o"] = "origin", ["cmps"] = "components", ["json_attr_t"] = "json_attributes_topic",
        ["json_attr_tpl"] = "json_attributes_template", ["exp_aft"] = "expire_after", ["frc_upd"] = "force_update",
        ["obj_id"] = "object_id", ["opt"] = "optimistic", ["ret"] = "retain", ["e"] = "encoding", ["en"] = "enabled_by_default",
    };

    public static readonly Dictionary<string, string> DeviceAbbreviations = new()
    {
        ["ids"] = "identifiers", ["cns"] = "connections", ["cu"] = "configuration_url", ["mf"] = "manufacturer",
        ["mdl"] = "model", ["sw"] = "sw_version", ["hw"] = "hw_version", ["sa"] = "suggested_area", ["sn"] = "serial_number",
    };

    public static readonly Dictionary<string, string> OriginAbbreviations = new() { ["sw"] = "sw_version", ["url"] = "support_url" };

    /// <summary>Keys of the discovery payload itself; `device`, `origin`, `components` are required. Options shared
    /// by every component (availability, qos, encoding, state/command topic) may sit at this level too.</summary>
    public static readonly Dictionary<string, T> Top = new()
    {
        ["device"] = T.Object, ["origin"] = T.Object, ["components"] = T.Object, ["availability_topic"] = T.String,
        ["availability_template"] = T.String, ["payload_available"] = T.String, ["payload_not_available"] = T.String,
        ["availability_mode"] = T.String, ["qos"] = T.Int, ["encoding"] = T.String, ["state_topic"] = T.String, ["command_topic"] = T.String,
    };

    public static readonly string[] TopRequired = ["device", "origin", "components"];

    public static readonly Dictionary<string, T> Device = new()
    {
        ["identifiers"] = T.StringOrList, ["connections"] = T.Object, ["configuration_url"] = T.String, ["manufacturer"] = T.String,
        ["model"] = T.String, ["name"] = T.String, ["sw_version"] = T.String, ["hw_version"] = T.String,
        ["suggested_area"] = T.String, ["serial_number"] = T.String, ["via_device"] = T.String,
    };

    public static readonly Dictionary<string, T> Origin = new() { ["name"] = T.String, ["sw_version"] = T.String, ["support_url"] = T.String };

    /// <summary>Options every entity platform documents.</summary>
    private static readonly Dictionary<string, T> Entity = new()
    {
        ["platform"] = T.String, ["unique_id"] = T.String, ["name"] = T.String, ["object_id"] = T.String, ["icon"] = T.String,
        ["entity_category"] = T.String, ["enabled_by_default"] = T.Bool, ["availability_topic"] = T.String,
        ["availability_template"] = T.String, ["payload_available"] = T.String, ["payload_not_available"] = T.String,
        ["availability_mode"] = T.String, ["qos"] = T.Int, ["encoding"] = T.String, ["json_attributes_topic"] = T.String,
        ["json_attributes_template"] = T.String,
    };

    /// <summary>Per platform: required keys (beyond `platform`, and `unique_id` which device discovery requires for
    /// entities) and the platform's own documented keys with their types.</summary>
    public static readonly Dictionary<string, (string[] Required, Dictionary<string, T> Keys)> Platforms = new()
    {
        ["sensor"] = (["state_topic"], new()
        {
            ["state_topic"] = T.String, ["value_template"] = T.String, ["unit_of_measurement"] = T.String, ["device_class"] = T.String,
            ["state_class"] = T.String, ["expire_after"] = T.Int, ["force_update"] = T.Bool, ["suggested_display_precision"] = T.Int,
            ["last_reset_value_template"] = T.String, ["options"] = T.StringList,
        }),
        ["binary_sensor"] = (["state_topic"], new()
        {
            ["state_topic"] = T.String, ["value_template"] = T.String, ["device_class"] = T.String, ["payload_on"] = T.String,
            ["payload_off"] = T.String, ["expire_after"] = T.Int, ["force_update"] = T.Bool, ["off_delay"] = T.Int,
        }),
        ["event"] = (["state_topic", "event_types"], new()
        {
            ["state_topic"] = T.String, ["event_types"] = T.StringList, ["value_template"] = T.String, ["device_class"] = T.String,
        }),
        // image_topic and url_topic are exclusive, one of them required (checked separately).
        ["image"] = ([], new()
        {
            ["image_topic"] = T.String, ["url_topic"] = T.String, ["url_template"] = T.String, ["content_type"] = T.String, ["image_encoding"] = T.String,
        }),
        ["button"] = ([], new()
        {
            ["command_topic"] = T.String, ["payload_press"] = T.String, ["device_class"] = T.String, ["retain"] = T.Bool,
        }),
        ["number"] = (["command_topic"], new()
        {
            ["command_topic"] = T.String, ["command_template"] = T.String, ["state_topic"] = T.String, ["value_template"] = T.String,
            ["min"] = T.Number, ["max"] = T.Number, ["step"] = T.Number, ["mode"] = T.String, ["unit_of_measurement"] = T.String,
            ["device_class"] = T.String, ["optimistic"] = T.Bool, ["payload_reset"] = T.String, ["retain"] = T.Bool,
        }),
        ["switch"] = ([], new()
        {
            ["command_topic"] = T.String, ["command_template"] = T.String, ["state_topic"] = T.String, ["value_template"] = T.String,
            ["payload_on"] = T.String, ["payload_off"] = T.String, ["state_on"] = T.String, ["state_off"] = T.String,
            ["device_class"] = T.String, ["optimistic"] = T.Bool, ["retain"] = T.Bool,
        }),
    };

    /// <summary>Every violation, one line each naming the path (empty when the payload follows the rules).</summary>
    public static List<string> Check(JsonElement payload)
    {
        var problems = new List<string>();
        var top = Expand(payload, Abbreviations, "", problems);
        Keys(top, Top, TopRequired, "", problems);
        if (top.TryGetValue("device", out var dev))
        {
            var d = Expand(dev, DeviceAbbreviations, "device.", problems);
            Keys(d, Device, [], "device.", problems);
            if (!d.ContainsKey("identifiers") && !d.ContainsKey("connections"))
            {
                problems.Add("device: needs identifiers or connections");
            }
        }

        if (top.TryGetValue("origin", out var o))
        {
            Keys(Expand(o, OriginAbbreviations, "origin.", problems), Origin, ["name"], "origin.", problems);
        }

        if (top.TryGetValue("components", out var cmps) && cmps.ValueKind == JsonValueKind.Object)
        {
            foreach (var c in cmps.EnumerateObject())
            {
                var path = $"components.{c.Name}.";
                var keys = Expand(c.Value, Abbreviations, path, problems);
                if (!keys.TryGetValue("platform", out var p) || p.ValueKind != JsonValueKind.String || !Platforms.TryGetValue(p.GetString()!, out var rules))
                {
                    problems.Add(path + "platform: missing or not one of " + string.Join(", ", Platforms.Keys));
                    continue;
                }

                var allowed = new Dictionary<string, T>(Entity);
                foreach (var (k, t) in rules.Keys)
                {
                    allowed[k] = t;
                }

                Keys(keys, allowed, [.. rules.Required, "platform", "unique_id"], path, problems);
                if (p.GetString() == "image" && keys.ContainsKey("image_topic") == keys.ContainsKey("url_topic"))
                {
                    problems.Add(path + "image: exactly one of image_topic and url_topic");
                }
            }
        }

        return problems;
    }

    private static Dictionary<string, JsonElement> Expand(JsonElement obj, Dictionary<string, string> abbreviations, string path, List<string> problems)
    {
        var result = new Dictionary<string, JsonElement>();
        if (obj.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path + ": not an object");
            return result;
        }

        foreach (var p in obj.EnumerateObject())
        {
            var name = abbreviations.GetValueOrDefault(p.Name, p.Name);
            if (!result.TryAdd(name, p.Value))
            {
                problems.Add(path + name + ": given twice (abbreviated and in full)");
            }
        }

        return result;
    }

    private static void Keys(Dictionary<string, JsonElement> keys, Dictionary<string, T> allowed, string[] required, string path, List<string> problems)
    {
        problems.AddRange(required.Where(r => !keys.ContainsKey(r)).Select(r => path + r + ": required"));
        foreach (var (name, value) in keys)
        {
            if (!allowed.TryGetValue(name, out var type))
            {
                problems.Add(path + name + ": not a documented option");
            }
            else if (!Is(value, type))
            {
                problems.Add($"{path}{name}: expected {type}, got {value.ValueKind}");
            }
        }
    }

    private static bool Is(JsonElement v, T type) => type switch
    {
        T.String => v.ValueKind == JsonValueKind.String,
        T.Bool => v.ValueKind is JsonValueKind.True or JsonValueKind.False,
        T.Int => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _),
        T.Number => v.ValueKind == JsonValueKind.Number,
        T.StringList => v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String),
        T.StringOrList => v.ValueKind == JsonValueKind.String || (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)),
        T.Object => v.ValueKind is JsonValueKind.Object or JsonValueKind.Array,
        _ => false,
    };
}
