using System.Diagnostics;
using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;
using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Triggers;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>
/// Classify and decide: one triggered frame in, the result (scores, verdict, timings, model) filled in. The model
/// (classifier, labels, rules) is one <see cref="ActiveModel"/> reference, replaced by a deployment only between two
/// classifications: <see cref="Offer"/> hands over a prepared model, which is installed at once when no frame is
/// being classified, else when the frame in hand is done. The lock guards only that hand-over, never a
/// classification, so every result comes from exactly one model.
/// </summary>
internal sealed class Inspector
{
    private readonly Lock _gate = new();
    private readonly int _smoothing;
    private readonly TimeProvider _time;
    private readonly LiveSettings? _live;
    private ActiveModel _active;
    private VerdictSmoother? _smoother;
    private PendingSwap? _pending;
    private bool _busy;

    public Inspector(ActiveModel model, DecisionOptions decision, bool continuous, TimeProvider time, LiveSettings? live = null)
    {
        _live = live;
        _active = model;
        _smoothing = continuous && decision.Smoothing > 1 ? decision.Smoothing : 0;
        _smoother = _smoothing > 0 ? new VerdictSmoother(_smoothing) : null;
        _time = time;
    }

    /// <summary>The model classifying now.</summary>
    public ActiveModel Active => Volatile.Read(ref _active);

    public FrameClassifier Classifier => Active.Classifier;

    public ClassificationResult NewResult(int topK) => new(topK, Active.Classifier.Labels);

    public void Inspect(TriggeredFrame triggered, ClassificationResult r)
    {
        var picked = _time.GetTimestamp();
        ActiveModel model;
        VerdictSmoother? smoother;
        lock (_gate)
        {
            if (_pending is { } pending)
            {
                Install(pending);
            }

            _busy = true;
            model = _active;
            smoother = _smoother;
        }

        try
        {
            var frame = triggered.Frame;
            model.Classifier.Classify(frame, r);
            r.Labels = model.Classifier.Labels;
            r.ModelSha256 = model.Info.Sha256;
            // The live threshold (cmd/set) when there is one; the rules stay the model's policy's.
            var raw = _live is null ? model.Policy.Decide(r.Index, r.Score) : model.Policy.Decide(r.Index, r.Score, (float)_live.Threshold);
            r.EventId = null;
            r.Verdict = smoother?.Add(raw) ?? raw;
            r.Trigger = triggered.Trigger;
            r.TriggerTimestamp = triggered.Timestamp;
            r.FrameSequence = frame.Sequence;
            r.Frame = frame;
            r.Time = _time.GetUtcNow();
            r.CaptureMs = triggered.Timestamp == frame.CaptureTimestamp
                ? Ms(frame.CaptureTimestamp, picked)
                : Math.Max(0, Ms(triggered.Timestamp, frame.CaptureTimestamp));
            r.TotalMs = _time.GetElapsedTime(triggered.Timestamp).TotalMilliseconds;
        }
        finally
        {
            lock (_gate)
            {
                _busy = false;
                // A model offered during this frame goes in now, so a loop then waiting for a trigger (a GPIO or MQTT
                // trigger may not come for hours) does not hold the deployment up.
                if (_pending is { } pending)
                {
                    Install(pending);
                }
            }
        }
    }

    /// <summary>Hands a prepared model to the loop; the task completes once it classifies (with the model it
    /// replaced, for the caller to dispose). One offer at a time.</summary>
    public PendingSwap Offer(ActiveModel model)
    {
        var swap = new PendingSwap(model);
        lock (_gate)
        {
            if (_pending is not null)
            {
                throw new InvalidOperationException("a model swap is already pending");
            }

            _pending = swap;
            if (!_busy)
            {
                Install(swap);
            }
        }

        return swap;
    }

    /// <summary>Under the lock: one reference swap, a fresh verdict smoother (the old model's verdicts say nothing
    /// about the new one's), and the time it took (the loop's pause).</summary>
    private void Install(PendingSwap swap)
    {
        var start = Stopwatch.GetTimestamp();
        var old = _active;
        Volatile.Write(ref _active, swap.Model);
        _smoother = _smoothing > 0 ? new VerdictSmoother(_smoothing) : null;
        _pending = null;
        swap.Complete(old, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    private double Ms(long from, long to) => (to - from) * 1000.0 / _time.TimestampFrequency;
}
