namespace EdgeMobileNet.Station.Mqtt;

/// <summary>One message waiting for the broker.</summary>
internal sealed record OutboxMessage(string Topic, byte[] Payload);

/// <summary>
/// Events waiting for delivery, oldest first. The publisher peeks, publishes (QoS 1) and removes only after the
/// broker acknowledged, so an outage loses nothing that fits. The in-memory outbox is bounded; a disk-backed one
/// (surviving restarts) implements the same contract.
/// </summary>
internal interface IEventOutbox
{
    int Count { get; }

    /// <summary>Adds a message; when full, the oldest is discarded and false is returned.</summary>
    bool Enqueue(OutboxMessage message);

    bool TryPeek(out OutboxMessage message);

    /// <summary>Removes the message last returned by <see cref="TryPeek"/> (it was delivered).</summary>
    void RemoveHead();

    /// <summary>Completes when a message is waiting or the timeout passes.</summary>
    Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
