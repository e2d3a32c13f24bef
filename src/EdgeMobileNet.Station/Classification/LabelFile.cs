using System.Text.RegularExpressions;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Station.Classification;

/// <summary>
/// Class names from a labels file, the one reader for every verb: synset.txt lines (`n01440764 tench, Tinca tinca`:
/// the label is the text after the WordNet id) or one name per line. Trailing blank lines are not classes.
/// </summary>
public static partial class LabelFile
{
    /// <summary>The labels of <paramref name="path"/>; <paramref name="key"/> (a setting or option name) starts
    /// every error message, e.g. "Model:Labels: synset.txt has 999 labels but the model has 1000 classes".</summary>
    public static string[] Read(string path, int classes, string key)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EdgeMobileNetException($"{key}: labels file not found: {path}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMobileNetException($"{key}: cannot read {path} ({e.Message})", e);
        }

        var count = lines.Length;
        while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1]))
        {
            count--;
        }

        if (count != classes)
        {
            throw new EdgeMobileNetException($"{key}: {path} has {count} labels but the model has {classes} classes");
        }

        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = Name(lines[i]);
        }

        return names;
    }

    /// <summary>The label of one line: the text after a WordNet id, or the trimmed line.</summary>
    public static string Name(string line)
    {
        var trimmed = line.Trim();
        var synset = SynsetLine().Match(trimmed);
        return synset.Success ? synset.Groups[1].Value : trimmed;
    }

    [GeneratedRegex(@"^n\d{8}\s+(.*)$")]
    private static partial Regex SynsetLine();
}
