using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Decisions;

/// <summary>Continuous mode hysteresis: the reported verdict changes only after <c>required</c> identical raw
/// verdicts in a row, so one odd frame does not flip a lamp.</summary>
internal sealed class VerdictSmoother
{
    private readonly int _required;
    private Verdict _candidate;
    private int _run;

    public VerdictSmoother(int required, Verdict initial = Verdict.Unknown)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(required, 1);
        _required = required;
        Current = initial;
        _candidate = initial;
    }

    public Verdict Current { get; private set; }

    public Verdict Add(Verdict raw)
    {
        if (_required == 1)
        {
            return Current = raw;
        }

        _run = raw == _candidate ? _run + 1 : 1;
        _candidate = raw;
        if (_run >= _required)
        {
            Current = raw;
        }

        return Current;
    }
}
