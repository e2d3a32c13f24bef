using System.Text.Json;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>Answers a refused command on the `error` topic: `{"command":"cmd/set","field":"threshold","reason":"…",
/// "time":"…"}`, one message per refusal, naming the field so a dashboard can show it next to the control.</summary>
internal sealed class CommandErrors(StationTopics topics, MqttNotices notices, TimeProvider time)
{
    public void Refuse(string command, string? field, string reason)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("command", command);
            if (field is null)
            {
                w.WriteNull("field");
            }
            else
            {
                w.WriteString("field", field);
            }

            w.WriteString("reason", reason);
            w.WriteString("time", time.GetUtcNow());
            w.WriteEndObject();
        }

        notices.Post(topics.Error, buffer.ToArray());
    }
}
