using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>The <c>Outbox</c> configuration section (docs/outbox.md). The folder itself comes from the state
/// directory (<see cref="StateDirectory"/>).</summary>
public sealed class OutboxOptions
{
    /// <summary><c>disk</c> (default: survives restarts and power loss) or <c>memory</c>.</summary>
    public string Kind { get; set; } = "disk";

    /// <summary>Bound on the waiting messages' bytes; beyond it the oldest are dropped and counted.</summary>
    public int MaxMegabytes { get; set; } = 128;

    /// <summary>Messages older than this are dropped (and counted) instead of delivered.</summary>
    public double MaxAgeHours { get; set; } = 24;

    /// <summary>Count bound (the memory outbox's only bound before; the disk outbox needs none).</summary>
    public int MaxCount { get; set; } = 1_000_000;

    /// <summary>fdatasync period: a power cut loses at most this much of the newest events; events are published
    /// once committed, so it is also the added delivery latency.</summary>
    public int CommitIntervalMs { get; set; } = 200;

    /// <summary>Size at which a new segment file is started (old ones are deleted once delivered).</summary>
    public int SegmentMegabytes { get; set; } = 4;

    internal OutboxLimits ToLimits() => new((long)MaxMegabytes << 20, TimeSpan.FromHours(MaxAgeHours), MaxCount);
}

/// <summary>Rejects bad <c>Outbox:*</c> keys at start, naming the key.</summary>
internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Check(OutboxOptions o)
    {
        List<string> e = [];
        if (o.Kind is not ("disk" or "memory"))
        {
            e.Add($"Outbox:Kind: '{o.Kind}' is not disk or memory");
        }

        if (o.MaxMegabytes is < 1 or > 1 << 20)
        {
            e.Add($"Outbox:MaxMegabytes: must be 1..1048576, got {o.MaxMegabytes}");
        }

        if (!(o.MaxAgeHours > 0) || double.IsInfinity(o.MaxAgeHours))
        {
            e.Add($"Outbox:MaxAgeHours: must be a positive number, got {o.MaxAgeHours}");
        }

        if (o.MaxCount < 1)
        {
            e.Add($"Outbox:MaxCount: must be at least 1, got {o.MaxCount}");
        }

        if (o.CommitIntervalMs is < 1 or > 10_000)
        {
            e.Add($"Outbox:CommitIntervalMs: must be 1..10000, got {o.CommitIntervalMs}");
        }

        if (o.SegmentMegabytes is < 1 or > 1024)
        {
            e.Add($"Outbox:SegmentMegabytes: must be 1..1024, got {o.SegmentMegabytes}");
        }

        return e;
    }
}

/// <summary>Where the station keeps state: <c>$STATE_DIRECTORY</c> (set by systemd's <c>StateDirectory=</c>; the
/// first entry when it lists several), else the configured <c>Station:StateDir</c>, else
/// <c>$XDG_STATE_HOME/edgemobilenet</c> or <c>~/.local/state/edgemobilenet</c>.</summary>
internal static class StateDirectory
{
    public static string Resolve(string configured, Func<string, string?> environment)
    {
        if (environment("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            return systemd.Split(':')[0];
        }

        if (configured.Length > 0)
        {
            return Path.GetFullPath(configured);
        }

        var xdg = environment("XDG_STATE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(root, "edgemobilenet");
    }
}
