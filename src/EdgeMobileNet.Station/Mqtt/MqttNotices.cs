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

    public bool TryTake([NotNullWhen(true)] out MqttNotice? notice) => _queue.TryDequeue(out notice);
}
