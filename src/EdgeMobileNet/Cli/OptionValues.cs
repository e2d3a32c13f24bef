using System.Globalization;
using EdgeMobileNet.Inference;

namespace EdgeMobileNet.Cli;

/// <summary>Parses comma-separated option values, with errors that name the option and the bad item.</summary>
internal static class OptionValues
{
    public static float[] Floats(string option, string text)
    {
        var parts = Split(option, text);
        var values = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
            {
                throw new EdgeMobileNetException($"{option}: '{parts[i]}' is not a number");
            }
        }

        return values;
    }

    public static int[] PositiveInts(string option, string text)
    {
        var parts = Split(option, text);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1)
            {
                throw new EdgeMobileNetException($"{option} must be at least 1, got '{parts[i]}'");
            }
        }

        return values;
    }

    public static string[] Engines(string option, string text, bool allowAuto)
    {
        var parts = Split(option, text);
        foreach (var engine in parts)
        {
            if (!ClassifierFactory.Engines.Contains(engine) || (!allowAuto && engine == "auto"))
            {
                var expected = ClassifierFactory.Engines.Where(e => allowAuto || e != "auto");
                throw new EdgeMobileNetException($"{option}: unknown engine '{engine}' (expected one of: {string.Join(", ", expected)})");
            }
        }

        return parts;
    }

    private static string[] Split(string option, string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0))
        {
            throw new EdgeMobileNetException($"{option}: '{text}' is not a comma-separated list");
        }

        return parts;
    }
}
