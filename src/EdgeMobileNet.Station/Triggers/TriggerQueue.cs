using System.Threading.Channels;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>Edge-style triggers (GPIO, MQTT) land here; each one claims the next frame at once, so a busy classifier
/// still classifies the frame that was current when the part passed, not a later one.</summary>
internal sealed class TriggerQueue
{
    private readonly Channel<TriggerEvent> _channel = Channel.CreateBounded<TriggerEvent>(
        new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly LatestFrameSlot _slot;
    private readonly TimeProvider _time;
    private readonly StationCounters _counters;
    private readonly LiveSettings? _live;

    public TriggerQueue(LatestFrameSlot slot, TimeProvider time, StationCounters counters, LiveSettings? live = null)
    {
        _live = live;
        _slot = slot;
        _time = time;
        _counters = counters;
    }

    public ChannelReader<TriggerEvent> Reader => _channel.Reader;

    /// <summary>Gives a classified trigger frame's buffer back for reuse.</summary>
    public void ReturnBuffer(FrameBuffer buffer) => _slot.ReturnBuffer(buffer);

    /// <summary>Records a trigger seen at <paramref name="timestamp"/> (now when null). False when 256 triggers are
    /// already waiting (the trigger is dropped), or while inspection is paused (`cmd/set` `paused`: counted as a
    /// trigger, nothing classified).</summary>
    public bool Fire(string kind, long? timestamp = null)
    {
        _counters.AddTrigger();
        if (_live is { Paused: true })
        {
            return false;
        }

        var edge = timestamp ?? _time.GetTimestamp();
        var request = _slot.RequestNextFrame(edge);
        if (_channel.Writer.TryWrite(new TriggerEvent(kind, edge, request)))
        {
            return true;
        }

        request.Cancel();
        return false;
    }
}
