namespace EdgeMobileNet.Station.Decisions;

/// <summary>What the station does with a part. Values index <see cref="Configuration.StationOptionsValidator.Verdicts"/>.</summary>
public enum Verdict
{
    Pass = 0,
    Reject = 1,
    Unknown = 2,
}

internal static class VerdictNames
{
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Pass => "pass",
        Verdict.Reject => "reject",
        _ => "unknown",
    };

    public static Verdict Parse(string name) => name switch
    {
        "pass" => Verdict.Pass,
        "reject" => Verdict.Reject,
        "unknown" => Verdict.Unknown,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown verdict"),
    };
}
