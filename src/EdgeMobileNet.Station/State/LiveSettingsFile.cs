using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Station.State;

/// <summary>
/// The live settings saved in the state directory (`settings.json`) after every accepted `cmd/set`, so a restart
/// keeps them: `{"threshold":0.7,"outputs":true,"paused":false,"rate":10}`. Written atomically (a temporary file,
/// flushed to disk, renamed over the old one), so a power cut leaves the old or the new file, never half of one.
/// </summary>
internal sealed class LiveSettingsFile(string path)
{
    public const string FileName = "settings.json";

    public string Path { get; } = path;

    /// <summary>The saved values, or null when there is no file. A file that cannot be read is an error naming the
    /// file and the field.</summary>
    public LiveValues? Load(LiveValues defaults)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Bad(null, "not a JSON object");
            }

            var v = defaults;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                v = p.Name switch
                {
                    "threshold" => v with { Threshold = Number(p, 0, 1) },
                    "rate" => v with { Rate = Number(p, 0, 1000) },
                    "outputs" => v with { Outputs = Bool(p) },
                    "paused" => v with { Paused = Bool(p) },
                    _ => v, // written by a later version: ignored
                };
            }

            return v;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw Bad(null, e.Message);
        }
    }

    public void Save(LiveValues v)
    {
        AtomicFile.WriteJson(Path, w =>
        {
            w.WriteNumber("threshold", v.Threshold);
            w.WriteBoolean("outputs", v.Outputs);
            w.WriteBoolean("paused", v.Paused);
            w.WriteNumber("rate", v.Rate);
        });
    }

    private double Number(JsonProperty p, double min, double max) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var d) && d >= min && d <= max
            ? d
            : throw Bad(p.Name, string.Create(CultureInfo.InvariantCulture, $"must be a number {min}..{max}, got {p.Value.GetRawText()}"));

    private bool Bool(JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Bad(p.Name, $"must be true or false, got {p.Value.GetRawText()}"),
    };

    private EdgeMobileNetException Bad(string? field, string reason) =>
        new($"{Path}{(field is null ? "" : ": " + field)}: {reason} (fix or delete the file; it holds the settings last set by cmd/set)");
}
