using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Builds the real station host in the test process, keeping every event payload it produces.</summary>
internal static class InProcessStation
{
    public static IHost Build(string[] configArgs, RecordingOutbox events) =>
        StationHost.Build(new StationLaunch { ConfigArgs = configArgs }, services => services.AddSingleton<IEventOutbox>(events));
}

/// <summary>Keeps every event payload, and forwards to the normal bounded outbox so MQTT still works.</summary>
internal sealed class RecordingOutbox : IEventOutbox
{
    private readonly MemoryOutbox _inner = new(100_000);
    private readonly List<string> _events = [];

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public int Count => _inner.Count;

    public bool Enqueue(OutboxMessage message)
    {
        lock (_events)
        {
            _events.Add(System.Text.Encoding.UTF8.GetString(message.Payload));
        }

        return _inner.Enqueue(message);
    }

    public bool TryPeek(out OutboxMessage message) => _inner.TryPeek(out message);

    public void RemoveHead() => _inner.RemoveHead();

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _inner.WaitAsync(timeout, cancellationToken);
}
