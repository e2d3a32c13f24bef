using EdgeMobileNet.Station.Frames;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>A frame to classify, what asked for it (continuous, gpio, mqtt, …) and when (a <see cref="TimeProvider"/>
/// timestamp: the trigger for edge triggers, the capture for continuous mode).</summary>
internal sealed record TriggeredFrame(FrameBuffer Frame, string Trigger, long Timestamp);

/// <summary>
/// Decides which frames are classified. The loop asks for the next one, classifies it and releases it. A new kind of
/// trigger (an HTTP request, a PLC message) is one class — usually a <see cref="QueuedTrigger"/> that calls
/// <see cref="TriggerQueue.Fire"/> — and one case in the registration.
/// </summary>
internal interface ITriggerSource : IDisposable
{
    /// <summary>The name in events and logs.</summary>
    string Name { get; }

    /// <summary>Whether frames nobody classified count as dropped (continuous mode: the loop should keep up).</summary>
    bool CountsDrops { get; }

    /// <summary>Starts listening (opens an input pin, …); called once before the first <see cref="NextAsync"/>.</summary>
    void Start();

    /// <summary>Waits for the next frame to classify; null once the frame source has ended.</summary>
    ValueTask<TriggeredFrame?> NextAsync(CancellationToken cancellationToken);

    /// <summary>The loop is done with the frame.</summary>
    void Release(TriggeredFrame frame);
}
