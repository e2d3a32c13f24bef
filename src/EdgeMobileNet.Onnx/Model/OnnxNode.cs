namespace EdgeMobileNet.Onnx;

/// <summary>
/// A NodeProto. Empty strings in <see cref="Inputs"/> mark omitted optional inputs, as in ONNX. The typed getters
/// return the default when the attribute is absent and throw <see cref="OnnxFormatException"/> naming the node and
/// attribute when it is present with another type.
/// </summary>
public sealed class OnnxNode
{
    public string Name { get; set; } = "";

    public string OpType { get; set; } = "";

    /// <summary>Operator domain; "" (or "ai.onnx") is the standard domain.</summary>
    public string Domain { get; set; } = "";

    public List<string> Inputs { get; set; } = [];

    public List<string> Outputs { get; set; } = [];

    public List<OnnxAttribute> Attributes { get; set; } = [];

    /// <summary>Node name if it has one, else op type and first output (how errors refer to it).</summary>
    public string DisplayName => Name.Length > 0
        ? $"'{OnnxText.Safe(Name)}' ({OnnxText.Safe(OpType)})"
        : $"{OnnxText.Safe(OpType)} -> '{OnnxText.Safe(Outputs.Count > 0 ? Outputs[0] : "")}'";

    public OnnxAttribute? Find(string name)
    {
        foreach (var a in Attributes)
        {
            if (a.Name == name)
            {
                return a;
            }
        }

        return null;
    }

    public bool Has(string name) => Find(name) is not null;

    public long GetInt(string name, long defaultValue) =>
        Typed(name, OnnxAttributeType.Int) is { } a ? a.I : defaultValue;

    public float GetFloat(string name, float defaultValue) =>
        Typed(name, OnnxAttributeType.Float) is { } a ? a.F : defaultValue;

    public string? GetString(string name, string? defaultValue = null) =>
        Typed(name, OnnxAttributeType.String) is { } a ? a.StringValue : defaultValue;

    /// <summary>The INTS attribute, or null when absent.</summary>
    public long[]? GetInts(string name) => Typed(name, OnnxAttributeType.Ints)?.Ints;

    /// <summary>The FLOATS attribute, or null when absent.</summary>
    public float[]? GetFloats(string name) => Typed(name, OnnxAttributeType.Floats)?.Floats;

    public OnnxTensor? GetTensor(string name) => Typed(name, OnnxAttributeType.Tensor)?.T;

    /// <summary>Input <paramref name="index"/> or "" when the node has fewer inputs (omitted optional input).</summary>
    public string Input(int index) => index < Inputs.Count ? Inputs[index] : "";

    public override string ToString() =>
        $"{DisplayName}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";

    private OnnxAttribute? Typed(string name, OnnxAttributeType type)
    {
        var a = Find(name);
        if (a is null)
        {
            return null;
        }

        // Older exporters omit the type field; infer it from the one populated field.
        var actual = a.Type != OnnxAttributeType.Undefined ? a.Type : Infer(a);
        if (actual != type)
        {
            throw new OnnxFormatException($"node {DisplayName}: attribute '{OnnxText.Safe(name)}' is {actual}, expected {type}");
        }

        return a;
    }

    private static OnnxAttributeType Infer(OnnxAttribute a) =>
        a.Ints.Length > 0 ? OnnxAttributeType.Ints
        : a.Floats.Length > 0 ? OnnxAttributeType.Floats
        : a.T is not null ? OnnxAttributeType.Tensor
        : a.S.Length > 0 ? OnnxAttributeType.String
        : a.I != 0 ? OnnxAttributeType.Int
        : a.F != 0 ? OnnxAttributeType.Float
        : OnnxAttributeType.Undefined;
}
