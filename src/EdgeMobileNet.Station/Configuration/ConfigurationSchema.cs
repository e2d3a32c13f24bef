using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace EdgeMobileNet.Station.Configuration;

/// <summary>
/// The shape of the station's sections, taken from the options classes: which keys exist and what each value must
/// parse as. <see cref="Check"/> runs before binding, so a misspelt key or an unparsable value is one message naming
/// the key's path (and the nearest known key) instead of a silent default or a binder exception. Sections that are
/// not the station's (Logging, …) are left alone unless their name is one letter-slip away from a station section.
/// </summary>
internal static class ConfigurationSchema
{
    private static readonly Node Root = Node.Object(
        ("Station", Node.Of<StationOptions>()),
        ("Model", Node.Of<ModelOptions>()),
        ("Source", Node.Of<SourceOptions>(("Roi", Node.Of<RoiOptions>()), ("Controls", Node.Of<CameraControlsOptions>()), ("Rpicam", Node.Of<RpicamSourceOptions>()))),
        ("Trigger", Node.Of<TriggerOptions>()),
        ("Decision", Node.Of<DecisionOptions>(("Rules", Node.List(Node.Of<DecisionRule>())))),
        ("Outputs", Node.List(Node.Of<OutputOptions>())),
        ("Gpio", Node.Of<GpioOptions>()),
        ("Mqtt", Node.Of<MqttOptions>()),
        ("Outbox", Node.Of<Outbox.OutboxOptions>()),
        ("Snapshots", Node.Of<SnapshotsOptions>()),
        ("Capture", Node.Of<Dataset.CaptureOptions>()),
        ("Training", Node.Of<Dataset.StationTrainingOptions>()));

    /// <summary>Names of the station's top-level sections.</summary>
    public static IEnumerable<string> Sections => Root.Children!.Keys;

    /// <summary>Every problem found, one message each, in key order.</summary>
    public static IReadOnlyList<string> Check(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (Root.Children!.TryGetValue(section.Key, out var node))
            {
                Walk(section, node, problems);
            }
            else if (Spelling.Nearest(section.Key, Root.Children.Keys, maxDistance: 2) is { } near)
            {
                problems.Add($"{section.Key}: unknown section; did you mean {near}?");
            }
        }

        return problems;
    }

    private static void Walk(IConfigurationSection section, Node node, List<string> problems)
    {
        if (node.Children is { } children)
        {
            if (section.Value is { Length: > 0 } && !section.GetChildren().Any())
            {
                problems.Add($"{section.Path}: is a section, not a value");
                return;
            }

            foreach (var child in section.GetChildren())
            {
                if (children.TryGetValue(child.Key, out var childNode))
                {
                    Walk(child, childNode, problems);
                }
                else
                {
                    var near = Spelling.Nearest(child.Key, children.Keys, maxDistance: Math.Max(2, child.Key.Length / 3));
                    problems.Add(near is null
                        ? $"{child.Path}: unknown key (known under {section.Path}: {string.Join(", ", children.Keys)})"
                        : $"{child.Path}: unknown key; did you mean {section.Path}:{near}?");
                }
            }

            return;
        }

        if (node.Item is { } item)
        {
            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    problems.Add($"{child.Path}: a list takes indices 0, 1, 2, …, not '{child.Key}'");
                    continue;
                }

                Walk(child, item, problems);
            }

            return;
        }

        if (section.GetChildren().Any())
        {
            problems.Add($"{section.Path}: is a value, not a section");
        }
        else if (section.Value is { } value && node.Parse is { } parse && parse(value) is { } error)
        {
            problems.Add($"{section.Path}: {error}");
        }
    }

    /// <summary>A section (named children), a list (indexed items of one shape) or a value (with its parser, which
    /// returns an error text or null).</summary>
    private sealed record Node(IReadOnlyDictionary<string, Node>? Children, Node? Item, Func<string, string?>? Parse)
    {
        public static Node Object(params (string Name, Node Node)[] children) =>
            new(children.ToDictionary(c => c.Name, c => c.Node, StringComparer.OrdinalIgnoreCase), null, null);

        public static Node List(Node item) => new(null, item, null);

        /// <summary>The settable properties of an options class; nested sections and lists of sections are named
        /// explicitly (their types are not reachable for the trimmer from here).</summary>
        public static Node Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(params (string Name, Node Node)[] nested)
        {
            var children = new Dictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.SetMethod is { IsPublic: true })
                {
                    children[property.Name] = nested.FirstOrDefault(n => n.Name == property.Name).Node ?? Value(property.PropertyType);
                }
            }

            return new Node(children, null, null);
        }

        private static Node Value(Type type)
        {
            if (type == typeof(List<string>))
            {
                return List(new Node(null, null, _ => null));
            }

            if (type == typeof(List<float>))
            {
                return List(Value(typeof(float)));
            }

            Func<string, string?> parse = type switch
            {
                _ when type == typeof(string) => _ => null,
                _ when type == typeof(bool) => v => bool.TryParse(v, out _) ? null : $"'{v}' is not true or false",
                _ when type == typeof(int) => v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : $"'{v}' is not a whole number (-2147483648..2147483647)",
                _ when type == typeof(long) => v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : $"'{v}' is not a whole number",
                _ when type == typeof(double) || type == typeof(float) => v =>
                    double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? null : $"'{v}' is not a number",
                _ when type.IsEnum => v => EnumValue(type, v),
                _ => throw new InvalidOperationException($"no configuration parser for {type}"),
            };
            return new Node(null, null, parse);
        }

        private static string? EnumValue(Type type, string value)
        {
            var names = Enum.GetNames(type);
            var shown = type.Namespace == typeof(SourceKind).Namespace || type == typeof(State.Verdict) ? names.Select(n => n.ToLowerInvariant()) : names;
            return names.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase)
                ? null
                : $"unknown value '{value}' (expected one of: {string.Join(", ", shown)})";
        }
    }
}
