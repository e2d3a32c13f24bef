namespace EdgeMobileNet.Onnx;

/// <summary>An ONNX ModelProto: the parts this project reads and writes (doc strings and training info are dropped).</summary>
public sealed class OnnxModel
{
    public long IrVersion { get; set; } = 8;

    public string ProducerName { get; set; } = "";

    public string ProducerVersion { get; set; } = "";

    public string Domain { get; set; } = "";

    public long ModelVersion { get; set; }

    public List<OnnxOpset> Opsets { get; set; } = [];

    public OnnxGraph Graph { get; set; } = new();

    public List<(string Key, string Value)> Metadata { get; set; } = [];

    /// <summary>The opset version imported for <paramref name="domain"/> ("" and "ai.onnx" are the same), or null.</summary>
    public long? OpsetVersion(string domain)
    {
        var wanted = domain == "ai.onnx" ? "" : domain;
        foreach (var opset in Opsets)
        {
            var d = opset.Domain == "ai.onnx" ? "" : opset.Domain;
            if (d == wanted)
            {
                return opset.Version;
            }
        }

        return null;
    }
}

/// <summary>An OperatorSetIdProto: domain ("" is the default ai.onnx domain) and version.</summary>
public sealed record OnnxOpset(string Domain, long Version);
