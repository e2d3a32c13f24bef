using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Web.Feed;

namespace EdgeMobileNet.Web.Station;

/// <summary>The web side's result sink: each classification and its frame into the live feed, the page's latency
/// chart and the metrics. On the classifier's thread: the snapshot the run state already made, one frame copy,
/// nothing that waits.</summary>
internal sealed class WebResultSink(RunState run, LiveFeed feed, LatencyHistogram latency, StationMeters meters) : IResultSink
{
    public void Accept(ClassificationResult result)
    {
        var snapshot = run.Latest is { } latest && latest.Number == result.Number ? latest : result.ToSnapshot();
        latency.Add(snapshot);
        meters.Record(snapshot);
        if (result.Frame is { } frame)
        {
            feed.Publish(snapshot, frame.Data, frame.Format, frame.Width, frame.Height);
        }
    }
}
