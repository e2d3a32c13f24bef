using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>One message that is not an event (a pin change, a command's answer, a retained echo): published once
/// while connected, not kept across restarts.</summary>
internal sealed record MqttNotice(string Topic, byte[] Payload, bool Retain = false);

/// <summary>
/// Notices waiting for the MQTT connection, oldest first, bounded so a broker away for long cannot grow it without
/// bound (the oldest go first). Anything may post; the publisher service takes them while connected.
/// </summary>
internal sealed class MqttNotices
{
    public const int Capacity = 10_000;
    private readonly ConcurrentQueue<MqttNotice> _queue = new();
    private readonly ConcurrentDictionary<string, MqttNotice> _latest = new(StringComparer.Ordinal);

    /// <summary>Raised after each post (on the poster's thread): wakes the publisher.</summary>
    public event Action? Posted;

    public void Post(string topic, byte[] payload, bool retain = false)
    {
        while (_queue.Count >= Capacity && _queue.TryDequeue(out _))
        {
        }

        _queue.Enqueue(new MqttNotice(topic, payload, retain));
        Posted?.Invoke();
    }

    /// <summary>Posts a retained message of which only the newest matters (a state echo, a snapshot, discovery): a
    /// newer one for the same topic replaces one not yet published, so a broker away for long costs one message
    /// per topic, not a queue of them.</summary>
    public void PostLatest(string topic, byte[] payload)
    {
        _latest[topic] = new MqttNotice(topic, payload, Retain: true);
        Posted?.Invoke();
    }

    public bool TryTake([NotNullWhen(true)] out MqttNotice? notice)
    {
        if (_queue.TryDequeue(out notice))
        {
            return true;
        }

        foreach (var topic in _latest.Keys)
        {
            if (_latest.TryRemove(topic, out notice))
            {
                return true;
            }
        }

        return false;
    }
}
