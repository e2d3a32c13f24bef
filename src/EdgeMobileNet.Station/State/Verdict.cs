namespace EdgeMobileNet.Station.State;

/// <summary>What the station does with a part.</summary>
public enum Verdict
{
    Pass = 0,
    Reject = 1,
    Unknown = 2,
}

/// <summary>The verdicts' names in configuration, events and logs.</summary>
public static class VerdictNames
{
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Pass => "pass",
        Verdict.Reject => "reject",
        _ => "unknown",
    };
}
