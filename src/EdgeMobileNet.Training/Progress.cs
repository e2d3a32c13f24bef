namespace EdgeMobileNet.Training;

/// <summary>A progress report: the stage ("embedding", "cross-validation", "fine-tuning", "export"), items done of
/// total, the rate in items per second and the estimated time left.</summary>
public sealed record TrainingProgress(string Stage, int Done, int Total, double RatePerSecond, TimeSpan? Remaining, string? Detail = null)
{
    public override string ToString()
    {
        var eta = Remaining is { } r ? $", ETA {FormatDuration(r)}" : "";
        var detail = Detail is null ? "" : $" ({Detail})";
        return $"{Stage} {Done}/{Total} ({RatePerSecond:0.0}/s{eta}){detail}";
    }

    private static string FormatDuration(TimeSpan t) => t.TotalSeconds < 90 ? $"{t.TotalSeconds:0} s" : $"{t.TotalMinutes:0.0} min";
}

/// <summary>Counts items of one stage and reports at most every <c>interval</c> (and always at the end).</summary>
internal sealed class ProgressMeter
{
    private readonly IProgress<TrainingProgress>? _sink;
    private readonly string _stage;
    private readonly int _total;
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _last;

    public ProgressMeter(IProgress<TrainingProgress>? sink, string stage, int total)
    {
        _sink = sink;
        _stage = stage;
        _total = total;
    }

    public void Report(int done, string? detail = null)
    {
        if (_sink is null)
        {
            return;
        }

        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (done < _total && System.Diagnostics.Stopwatch.GetElapsedTime(_last, now).TotalSeconds < 1)
        {
            return;
        }

        _last = now;
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(_start, now).TotalSeconds;
        var rate = elapsed > 0 ? done / elapsed : 0;
        TimeSpan? eta = rate > 0 && done < _total ? TimeSpan.FromSeconds((_total - done) / rate) : null;
        _sink.Report(new TrainingProgress(_stage, done, _total, rate, eta, detail));
    }
}
