using EdgeMobileNet.Station.Decisions;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Vision;
using EdgeMobileNet.Web.Feed;

namespace EdgeMobileNet.Web.Station;

/// <summary>The web side's sink: each classification (and its frame) into the live feed, the page's latency chart
/// and the metrics. Runs on the classifier's thread: a copy and a memcpy, nothing that waits.</summary>
internal sealed class WebResultSink(LiveFeed feed, LatencyHistogram latency, StationMeters meters)
{
    public void Accept(ClassificationResult r, FrameBuffer frame, IReadOnlyList<string> labels)
    {
        var top = new TopClass[r.TopCount];
        for (var i = 0; i < top.Length; i++)
        {
            top[i] = new TopClass(labels[r.TopIndex[i]], r.TopIndex[i], r.TopScore[i]);
        }

        var result = new LiveResult(r.Number, r.Time, r.Trigger, r.FrameSequence, labels[r.Index], r.Index, r.Score, top, r.Verdict.Name(), r.CaptureMs, r.PreprocessMs, r.InferenceMs, r.TotalMs);
        latency.Add(result);
        meters.Record(result);
        feed.Publish(result, frame.Data, frame.Format, frame.Width, frame.Height);
    }
}
