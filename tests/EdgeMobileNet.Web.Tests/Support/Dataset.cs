using System.Text;
using System.Text.Json;
using EdgeMobileNet.Station.Frames;

namespace EdgeMobileNet.Web.Tests.Support;

/// <summary>The demo's dataset folder as a test sees it: the captures' sidecars on disk, the truth of each captured
/// frame (the synthetic conveyor renders the same scene for a sequence number every time), and the JSON API.</summary>
internal static class Dataset
{
    /// <summary>The demo's conveyor (Source:Width 160, Height 120, Seed 1, FramesPerPart 4).</summary>
    public static readonly ConveyorScene DemoScene = new(160, 120, 1, 4);

    /// <summary>Sidecars in <paramref name="folder"/> (the inbox or a class folder), by capture id.</summary>
    public static Dictionary<string, JsonElement> Sidecars(string folder)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            return result;
        }

        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                result[Path.GetFileNameWithoutExtension(file)] = doc.RootElement.Clone();
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                // Being written or moved right now: seen at the next look.
            }
        }

        return result;
    }

    /// <summary>What the captured frame really shows (a part colour or "empty").</summary>
    public static string Truth(JsonElement sidecar) => DemoScene.LabelAt(sidecar.GetProperty("frame_sequence").GetInt64());

    /// <summary>POSTs JSON (with the station's token, if any); the status and the parsed answer.</summary>
    public static async Task<(int Status, JsonElement Body)> PostAsync(WebStation station, string path, string json = "{}")
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await station.Http.PostAsync(new Uri(path, UriKind.Relative), content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>`{"ids": [...], "class": "..."}` (class left out when null).</summary>
    public static string Body(IEnumerable<string>? ids, string? cls = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (ids is not null)
            {
                w.WriteStartArray("ids");
                foreach (var id in ids)
                {
                    w.WriteStringValue(id);
                }

                w.WriteEndArray();
            }

            if (cls is not null)
            {
                w.WriteString("class", cls);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
