using System.Text.RegularExpressions;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Cli;

/// <summary>
/// Class names for a model's output indices. Reads synset.txt lines (`n01440764 tench, Tinca tinca`: the label is
/// the text after the WordNet id) or plain one-name-per-line files; without a file the label is the index.
/// </summary>
internal sealed partial class LabelSet
{
    private readonly string[]? names;

    private LabelSet(string[]? names) => this.names = names;

    public static LabelSet Indices { get; } = new(null);

    public string this[int index] => names is null ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : names[index];

    public static LabelSet Load(string path, int classes)
    {
        if (!File.Exists(path))
        {
            throw new EdgeMobileNetException($"{path}: labels file not found");
        }

        var lines = File.ReadAllLines(path).ToList();
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1]))
        {
            lines.RemoveAt(lines.Count - 1); // a trailing newline is not a class
        }

        if (lines.Count != classes)
        {
            throw new EdgeMobileNetException($"{path}: labels file has {lines.Count} lines but the model has {classes} classes");
        }

        var names = new string[classes];
        for (var i = 0; i < classes; i++)
        {
            var line = lines[i].Trim();
            var synset = SynsetLine().Match(line);
            names[i] = synset.Success ? synset.Groups[1].Value : line;
        }

        return new LabelSet(names);
    }

    [GeneratedRegex(@"^n\d{8}\s+(.*)$")]
    private static partial Regex SynsetLine();
}
