using EdgeMobileNet.Station.Classification;

namespace EdgeMobileNet.Cli;

/// <summary>Class names for a model's output indices, read by the station's <see cref="LabelFile"/> (the same
/// parsing for `classify` and `run`); without a file the label is the index.</summary>
internal sealed partial class LabelSet
{
    private readonly string[]? names;

    private LabelSet(string[]? names) => this.names = names;

    public static LabelSet Indices { get; } = new(null);

    public string this[int index] => names is null ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : names[index];

    public static LabelSet Load(string path, int classes) => new(LabelFile.Read(path, classes, "--labels"));
}
