using System.Text.Json;
using EdgeMobileNet.Station.Models;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>The retained `model/state` payload (docs/mqtt.md): the model classifying and the last deployment.</summary>
internal static class ModelStateJson
{
    public static byte[] Write(DeployedModel current, (ModelSource Source, ModelDeployOutcome Outcome, DateTimeOffset Time)? last)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("path", current.Path);
            w.WriteString("sha256", current.Sha256);
            w.WriteStartArray("labels");
            foreach (var label in current.Labels)
            {
                w.WriteStringValue(label);
            }

            w.WriteEndArray();
            w.WriteString("engine", current.Engine);
            w.WriteString("since", current.Since);
            if (last is { } l)
            {
                w.WriteStartObject("last");
                w.WriteBoolean("ok", l.Outcome.Swapped);
                if (l.Outcome.Reason is { } reason)
                {
                    w.WriteString("reason", reason);
                }
                else
                {
                    w.WriteNull("reason");
                }

                w.WriteNumber("pause_ms", Math.Round(l.Outcome.PauseMs, 4));
                w.WriteString("origin", l.Source.Origin);
                w.WriteString("time", l.Time);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("last");
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
