namespace EdgeMobileNet.Station.Outbox;

/// <summary>Reconnect delays: doubling from min to max, each drawn uniformly from its upper half ("equal jitter"), so
/// a fleet of stations that lost the same broker does not reconnect in lockstep.</summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private TimeSpan _ceiling;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random random)
    {
        _min = min;
        _max = max;
        _random = random;
        _ceiling = min;
    }

    public TimeSpan Next()
    {
        var ceiling = _ceiling;
        _ceiling = TimeSpan.FromTicks(Math.Min(_max.Ticks, ceiling.Ticks * 2));
        return TimeSpan.FromTicks(ceiling.Ticks / 2 + (long)(_random.NextDouble() * (ceiling.Ticks / 2)));
    }

    public void Reset() => _ceiling = _min;
}
