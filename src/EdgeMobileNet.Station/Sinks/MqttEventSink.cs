using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>Queues each result as an `event` message for the MQTT publisher (registered only with Mqtt:Enabled).</summary>
internal sealed class MqttEventSink : IResultSink
{
    private readonly IEventOutbox _outbox;
    private readonly RunState _run;
    private readonly EventJson _json;
    private readonly string _topic;

    public MqttEventSink(IEventOutbox outbox, RunState run, IOptions<StationOptions> station)
    {
        _outbox = outbox;
        _run = run;
        _json = new EventJson(station.Value.Id, run.RunId);
        _topic = new StationTopics(station.Value.Id).Event;
    }

    public void Accept(ClassificationResult result)
    {
        if (!_outbox.Enqueue(new OutboxMessage(_topic, _json.Event(result))))
        {
            _run.Counters.AddEventDropped();
        }
    }
}
