using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;
using EdgeMobileNet.Station.State;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Decisions;

public sealed class DecisionTests
{
    private static readonly string[] Labels = ["empty", "red", "green", "blue", "yellow"];

    [Fact]
    public void Rules_by_label_and_index_then_default_and_threshold()
    {
        var policy = DecisionPolicy.Create(
            new DecisionOptions
            {
                Rules = [new() { Class = "RED", Verdict = Verdict.Reject }, new() { Class = "0", Verdict = Verdict.Unknown }],
                Default = Verdict.Pass,
                Threshold = 0.6,
                LowScoreVerdict = Verdict.Unknown,
            },
            Labels);

        Assert.Equal(Verdict.Reject, policy.Decide(1, 0.9f));
        Assert.Equal(Verdict.Unknown, policy.Decide(0, 0.9f));
        Assert.Equal(Verdict.Pass, policy.Decide(3, 0.9f));
        Assert.Equal(Verdict.Unknown, policy.Decide(1, 0.59f));
    }

    [Fact]
    public void A_rule_naming_no_class_is_an_error_naming_the_key()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => DecisionPolicy.Create(
            new DecisionOptions { Rules = [new() { Class = "red", Verdict = Verdict.Reject }, new() { Class = "purple", Verdict = Verdict.Reject }], Default = Verdict.Pass },
            Labels));
        Assert.StartsWith("Decision:Rules:1:Class:", ex.Message);
    }

    [Fact]
    public void Smoothing_changes_state_only_after_n_identical_results()
    {
        var smoother = new VerdictSmoother(3, Verdict.Pass);
        Verdict[] raw = [Verdict.Reject, Verdict.Reject, Verdict.Pass, Verdict.Reject, Verdict.Reject, Verdict.Reject, Verdict.Pass];
        var states = raw.Select(smoother.Add).ToArray();
        Assert.Equal([Verdict.Pass, Verdict.Pass, Verdict.Pass, Verdict.Pass, Verdict.Pass, Verdict.Reject, Verdict.Reject], states);
    }
}
