using System.Diagnostics.Metrics;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Web.Api;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EdgeMobileNet.Web.Feed;

/// <summary>
/// The station's <see cref="System.Diagnostics.Metrics"/> instruments, exported on `/metrics` (docs/web.md lists the
/// Prometheus names). Counters are observed from the station's own totals when scraped; latencies are recorded per
/// classification. Built with the station's result sinks, before the first classification, together with the
/// exporter's reader, so no observation is missed while the web server starts.
/// </summary>
internal sealed class StationMeters : IDisposable
{
    public const string MeterName = "EdgeMobileNet.Station";

    private static readonly double[] LatencyBucketsMs = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000];
    private readonly Meter _meter;
    private readonly Histogram<double> _inference;
    private readonly Histogram<double> _preprocess;
    private readonly Histogram<double> _total;
    private readonly Histogram<double> _output;

    public StationMeters(IMeterFactory factory, IStationView station, RunState run)
    {
        _meter = factory.Create(MeterName);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs };
        _inference = _meter.CreateHistogram("edgemobilenet.inference.duration", "ms", "Model run per classification", advice: advice);
        _preprocess = _meter.CreateHistogram("edgemobilenet.preprocess.duration", "ms", "Pixel conversion, resize, crop and normalisation per classification", advice: advice);
        _total = _meter.CreateHistogram("edgemobilenet.decision.duration", "ms", "Trigger (continuous: frame capture) to verdict", advice: advice);
        _output = _meter.CreateHistogram("edgemobilenet.output.latency", "ms", "Trigger to output change, less the output's configured delay", advice: advice);

        run.Latency.OutputAdded += _output.Record;
        _meter.CreateObservableCounter("edgemobilenet.frames", () => station.Counters().Frames, "{frame}", "Frames captured");
        _meter.CreateObservableCounter("edgemobilenet.classifications", () => station.Counters().Classified, "{classification}", "Frames classified");
        _meter.CreateObservableCounter("edgemobilenet.frames.dropped", () => station.Counters().Dropped, "{frame}", "Frames replaced by a newer one before the classifier took them");
        _meter.CreateObservableCounter("edgemobilenet.triggers", () => station.Counters().Triggers, "{trigger}", "gpio/mqtt triggers received");
        _meter.CreateObservableCounter("edgemobilenet.verdicts", () => Verdicts(station.Counters().Verdicts), "{classification}", "Classifications per verdict");
        _meter.CreateObservableCounter("edgemobilenet.events.dropped", () => station.Mqtt().EventsDropped, "{event}", "Events discarded because the outbox was full");
        _meter.CreateObservableGauge("edgemobilenet.outbox.backlog", () => station.Mqtt().Outbox, "{event}", "Events waiting for the broker");
        _meter.CreateObservableGauge("edgemobilenet.outbox.backlog.bytes", () => station.Mqtt().OutboxBytes, "By", "Bytes the waiting events take in the outbox");
        _meter.CreateObservableGauge("edgemobilenet.outbox.backlog.oldest", () => station.Mqtt().OutboxOldestSeconds, "s", "Age of the oldest event waiting for the broker");
        _meter.CreateObservableGauge("edgemobilenet.mqtt.connected", () => station.Mqtt().Connected ? 1 : 0, null, "1 while connected to the broker");
        _meter.CreateObservableGauge("edgemobilenet.health", () => Health(station.Health().State), null, "1 for the station's current health state");
        _meter.CreateObservableGauge("edgemobilenet.model.info", () => ModelInfo(station.Model()), null, "Always 1; the model in use is in the labels");
        Provider = Sdk.CreateMeterProviderBuilder().AddMeter(MeterName).AddPrometheusExporter().Build();
    }

    /// <summary>The OpenTelemetry pipeline whose Prometheus exporter serves `/metrics`.</summary>
    public MeterProvider Provider { get; }

    public void Record(ResultSnapshot r)
    {
        _inference.Record(r.InferenceMs);
        _preprocess.Record(r.PreprocessMs);
        _total.Record(r.TotalMs);
    }

    public void Dispose()
    {
        Provider.Dispose();
        _meter.Dispose();
    }

    private static IEnumerable<Measurement<long>> Verdicts(VerdictCountsDto v) =>
    [
        new(v.Pass, new KeyValuePair<string, object?>("verdict", "pass")),
        new(v.Reject, new KeyValuePair<string, object?>("verdict", "reject")),
        new(v.Unknown, new KeyValuePair<string, object?>("verdict", "unknown")),
    ];

    private static IEnumerable<Measurement<int>> Health(string current) =>
        [.. new[] { "starting", "running", "degraded", "fault", "stopped" }.Select(s => new Measurement<int>(s == current ? 1 : 0, new KeyValuePair<string, object?>("state", s)))];

    private static Measurement<int> ModelInfo(ModelDto m) => new(
        1,
        new KeyValuePair<string, object?>("name", m.Name),
        new KeyValuePair<string, object?>("sha256", m.Sha256),
        new KeyValuePair<string, object?>("engine", m.Engine),
        new KeyValuePair<string, object?>("classes", m.Labels.Length));
}
