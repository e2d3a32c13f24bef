using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Builds the real station host in the test process, keeping every event payload it produces.</summary>
internal static class InProcessStation
{
    /// <summary>A private state directory comes first, so a test's own `--Station:StateDir` wins.</summary>
    public static IHost Build(string[] configArgs, RecordingOutbox events) =>
        StationHost.Build(
            new StationLaunch { ConfigArgs = ["--Station:StateDir", global::EdgeMobileNet.Tests.Common.TestAssets.NewTempDir(), .. configArgs] },
            services => services.AddSingleton<IOutboxStore>(events));
}

/// <summary>Keeps every event payload, and forwards to a memory outbox so MQTT still works.</summary>
internal sealed class RecordingOutbox : IOutboxStore
{
    private readonly MemoryOutboxStore _inner = new(new OutboxLimits(long.MaxValue, TimeSpan.FromDays(1), 100_000), TimeProvider.System);
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

    public string StreamId => _inner.StreamId;

    public OutboxBacklog Backlog => _inner.Backlog;

    public long Append(string topic, Func<long, byte[]> payload) => _inner.Append(topic, seq =>
    {
        var bytes = payload(seq);
        lock (_events)
        {
            _events.Add(System.Text.Encoding.UTF8.GetString(bytes));
        }

        return bytes;
    });

    public int Peek(long afterSequence, int max, List<OutboxEntry> into) => _inner.Peek(afterSequence, max, into);

    public bool Remove(long sequence) => _inner.Remove(sequence);

    public Task WaitAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken) => _inner.WaitAsync(afterSequence, timeout, cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public void Dispose() => _inner.Dispose();
}
