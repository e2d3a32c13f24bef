using System.Globalization;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Decisions;

/// <summary>Maps a top class and its score to a verdict: per-class rules (by label or index), a default for the
/// rest, and a score threshold below which the result is not trusted.</summary>
internal sealed class DecisionPolicy
{
    private readonly Verdict[] _byClass;
    private readonly float _threshold;
    private readonly Verdict _lowScore;

    private DecisionPolicy(Verdict[] byClass, float threshold, Verdict lowScore)
    {
        _byClass = byClass;
        _threshold = threshold;
        _lowScore = lowScore;
    }

    /// <summary>Resolves the configured rules against the model's labels; a rule naming no class is an error.</summary>
    public static DecisionPolicy Create(DecisionOptions options, IReadOnlyList<string> labels)
    {
        var byClass = Enumerable.Repeat(options.Default, labels.Count).ToArray();
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var index = ResolveClass(rule.Class, labels);
            if (index < 0)
            {
                throw new EdgeMobileNetException(
                    $"Decision:Rules:{i}:Class: no class '{rule.Class}' in the model's labels (or index 0..{labels.Count - 1})");
            }

            byClass[index] = rule.Verdict;
        }

        return new DecisionPolicy(byClass, (float)options.Threshold, options.LowScoreVerdict);
    }

    /// <summary>The configured Decision:Threshold.</summary>
    public float Threshold => _threshold;

    public Verdict Decide(int classIndex, float score) => Decide(classIndex, score, _threshold);

    /// <summary>Decides with <paramref name="threshold"/> in place of the configured one: the live threshold set by
    /// `cmd/set` (<see cref="LiveSettings"/>), which outlives a policy re-created for a new model.</summary>
    public Verdict Decide(int classIndex, float score, float threshold) =>
        score < threshold ? _lowScore : _byClass[classIndex];

    private static int ResolveClass(string name, IReadOnlyList<string> labels)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.Equals(labels[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < labels.Count ? index : -1;
    }
}
