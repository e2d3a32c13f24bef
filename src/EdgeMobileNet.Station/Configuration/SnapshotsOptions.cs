using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Configuration;

/// <summary>Section `Snapshots`: the JPEG of each rejected (and optionally each `unknown`) part, published retained
/// on `snapshot/reject` and kept in a bounded ring under `&lt;state directory&gt;/snapshots`.</summary>
public sealed class SnapshotsOptions
{
    public const string Section = "Snapshots";

    /// <summary>False: no snapshot is encoded, stored or published.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Also keep the frames of `unknown` verdicts on disk (they are not published).</summary>
    public bool Unknown { get; set; }

    /// <summary>At most this many snapshots on disk; the oldest go first.</summary>
    public int MaxCount { get; set; } = 200;

    /// <summary>At most this many megabytes of snapshots (JPEG and sidecar) on disk; the oldest go first.</summary>
    public double MaxMegabytes { get; set; } = 50;

    /// <summary>JPEG quality, 1..100.</summary>
    public int Quality { get; set; } = 85;

    /// <summary>Frames waiting to be encoded; when full, a new snapshot is dropped and counted (the loop never waits).</summary>
    public int QueueLength { get; set; } = 4;
}

internal sealed class SnapshotsOptionsValidator : IValidateOptions<SnapshotsOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotsOptions o)
    {
        var p = new Problems();
        p.Range("Snapshots:MaxCount", o.MaxCount, 1, 1_000_000);
        p.Range("Snapshots:MaxMegabytes", o.MaxMegabytes, 0.1, 1_000_000);
        p.Range("Snapshots:Quality", o.Quality, 1, 100);
        p.Range("Snapshots:QueueLength", o.QueueLength, 1, 64);
        return p.Result();
    }
}
