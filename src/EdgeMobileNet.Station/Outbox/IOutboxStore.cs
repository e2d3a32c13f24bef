namespace EdgeMobileNet.Station.Outbox;

/// <summary>One queued message as the publisher sees it. <see cref="Sequence"/> is the outbox's own counter: it
/// never repeats for a store (it survives restarts of a disk store) and an event id carries it.</summary>
internal sealed record OutboxEntry(long Sequence, DateTimeOffset Enqueued, string Topic, byte[] Payload);

/// <summary>The backlog as `state`, health and metrics report it.</summary>
/// <param name="Count">Messages waiting (including those in flight, until acknowledged).</param>
/// <param name="Bytes">Bytes those messages take in the store (record framing included).</param>
/// <param name="OldestAge">Age of the oldest waiting message; zero when empty.</param>
/// <param name="DroppedForSpace">Messages discarded (oldest first) because the byte or count bound was reached.</param>
/// <param name="DroppedForAge">Messages discarded because they were older than the age bound.</param>
/// <param name="LastSequence">Sequence of the newest message accepted (0 before the first).</param>
/// <param name="DurableSequence">Every message up to this sequence survives a power loss.</param>
internal readonly record struct OutboxBacklog(
    long Count,
    long Bytes,
    TimeSpan OldestAge,
    long DroppedForSpace,
    long DroppedForAge,
    long LastSequence,
    long DurableSequence)
{
    public long Dropped => DroppedForSpace + DroppedForAge;
}

/// <summary>Bounds of an outbox. When a new message does not fit, the oldest ones are dropped and counted.</summary>
internal sealed record OutboxLimits(long MaxBytes, TimeSpan MaxAge, int MaxCount = int.MaxValue);

/// <summary>
/// The outbox contract for a publisher that keeps several QoS 1 messages in flight: messages get a sequence when
/// accepted, are read in windows, and are removed by sequence when the broker acknowledged them, in any order. A
/// message stays (a reader starting again from sequence 0 gets it again) until removed, dropped by the bounds, or
/// expired; redelivery keeps its sequence, so its id. Both the memory and the disk outbox implement it.
/// </summary>
internal interface IOutboxStore : IDisposable
{
    /// <summary>Identifies the sequence space: a new store starts a new stream (12 hex digits). An event id is
    /// <c>&lt;stream&gt;-&lt;sequence&gt;</c>.</summary>
    string StreamId { get; }

    /// <summary>Accepts a message whose payload is built from its sequence (so the payload can carry its id); the
    /// factory runs once, under the store's lock, and must not call back into the store. Returns the sequence.
    /// When the bounds are reached the oldest messages are dropped first.</summary>
    long Append(string topic, Func<long, byte[]> payload);

    /// <summary>Up to <paramref name="max"/> waiting messages with a sequence above <paramref name="afterSequence"/>,
    /// oldest first, added to <paramref name="into"/>; returns how many. Only durable messages are handed out (see
    /// <see cref="OutboxBacklog.DurableSequence"/>), so a message a consumer has seen can never be lost and its
    /// sequence reused after a power cut.</summary>
    int Peek(long afterSequence, int max, List<OutboxEntry> into);

    /// <summary>The message was delivered. Unknown or already removed (e.g. dropped meanwhile) sequences are ignored;
    /// returns whether it was waiting.</summary>
    bool Remove(long sequence);

    OutboxBacklog Backlog { get; }

    /// <summary>Completes when a message with a sequence above <paramref name="afterSequence"/> can be peeked, or when
    /// the timeout passes.</summary>
    Task WaitAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Makes everything accepted so far durable (a no-op for the memory outbox).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
