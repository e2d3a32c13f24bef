namespace EdgeMobileNet.Training;

/// <summary>A progress report: the stage ("embedding", "pooling", "fine-tuning (fold 2/5)", …), items done of
/// total within it (images, or optimiser steps when fine-tuning), the rate in items per second and the estimated
/// time left in the stage. <see cref="Phase"/> of <see cref="Phases"/> places the stage in the whole run (embedding
/// each view, pooling, each fold, the final fit), for a progress bar that does not restart.</summary>
public sealed record TrainingProgress(string Stage, int Done, int Total, double RatePerSecond, TimeSpan? Remaining, string? Detail = null)
{
    /// <summary>1-based index of the stage's phase in the run; 0 when not known.</summary>
    public int Phase { get; init; }

    public int Phases { get; init; }

    public override string ToString()
    {
        var eta = Remaining is { } r ? $", ETA {FormatDuration(r)}" : "";
        var detail = Detail is null ? "" : $" ({Detail})";
        var phase = Phases > 0 ? $"[{Phase}/{Phases}] " : "";
        return $"{phase}{Stage} {Done}/{Total} ({RatePerSecond:0.0}/s{eta}){detail}";
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

    private readonly int _phase;
    private readonly int _phases;

    public ProgressMeter(IProgress<TrainingProgress>? sink, string stage, int total, int phase = 0, int phases = 0)
    {
        _sink = sink;
        _stage = stage;
        _total = total;
        _phase = phase;
        _phases = phases;
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
        _sink.Report(new TrainingProgress(_stage, done, _total, rate, eta, detail) { Phase = _phase, Phases = _phases });
    }
}
