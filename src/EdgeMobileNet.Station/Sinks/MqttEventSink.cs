using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>Appends each result as an `event` message to the outbox (registered only with Mqtt:Enabled). The event
/// id is `&lt;stream&gt;-&lt;sequence&gt;` from the outbox's persistent sequence, so a gap always means a loss. A refused
/// write (disk full, I/O error) drops that event, counts it and degrades the station; the line keeps running.</summary>
internal sealed partial class MqttEventSink : IResultSink
{
    public const string WriteCondition = "outbox";
    private readonly IOutboxStore _store;
    private readonly RunState _run;
    private readonly EventJson _json;
    private readonly string _topic;
    private readonly ILogger<MqttEventSink> _logger;
    private bool _failing;

    public MqttEventSink(IOutboxStore store, RunState run, IOptions<StationOptions> station, ILogger<MqttEventSink> logger)
    {
        _store = store;
        _run = run;
        _logger = logger;
        _json = new EventJson(station.Value.Id);
        _topic = new StationTopics(station.Value.Id).Event;
    }

    public void Accept(ClassificationResult result)
    {
        try
        {
            var stream = _store.StreamId;
            _store.Append(_topic, seq =>
            {
                result.EventId = $"{stream}-{seq}";
                return _json.Event(result, result.EventId);
            });
        }
        catch (IOException ex)
        {
            result.EventId = null;
            _run.Counters.AddEventDropped();
            _run.Health.Raise(WriteCondition, $"event outbox write failed, events dropped: {ex.Message}");
            if (!_failing)
            {
                LogWriteFailed(_logger, ex.Message);
            }

            _failing = true;
            return;
        }

        if (_failing)
        {
            _failing = false;
            _run.Health.Clear(WriteCondition);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event outbox write failed ({Reason}); events are dropped and counted until writes succeed again")]
    private static partial void LogWriteFailed(ILogger logger, string reason);
}
