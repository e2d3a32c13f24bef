using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Triggers;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Classify and decide: one triggered frame in, the result (scores, verdict, timings) filled in.</summary>
internal sealed class Inspector
{
    private readonly FrameClassifier _classifier;
    private readonly DecisionPolicy _policy;
    private readonly VerdictSmoother? _smoother;
    private readonly TimeProvider _time;
    private readonly LiveSettings? _live;

    public Inspector(FrameClassifier classifier, DecisionOptions decision, bool continuous, TimeProvider time, LiveSettings? live = null)
    {
        _live = live;
        _classifier = classifier;
        // A rule naming no class fails here, at start-up.
        _policy = DecisionPolicy.Create(decision, classifier.Labels);
        _smoother = continuous && decision.Smoothing > 1 ? new VerdictSmoother(decision.Smoothing) : null;
        _time = time;
    }

    public FrameClassifier Classifier => _classifier;

    public ClassificationResult NewResult(int topK) => new(topK, _classifier.Labels);

    public void Inspect(TriggeredFrame triggered, ClassificationResult r)
    {
        var picked = _time.GetTimestamp();
        var frame = triggered.Frame;
        _classifier.Classify(frame, r);
        // The live threshold (cmd/set) when there is one; the rules stay the policy's.
        var raw = _live is null ? _policy.Decide(r.Index, r.Score) : _policy.Decide(r.Index, r.Score, (float)_live.Threshold);
        r.EventId = null;
        r.Verdict = _smoother?.Add(raw) ?? raw;
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

    private double Ms(long from, long to) => (to - from) * 1000.0 / _time.TimestampFrequency;
}
