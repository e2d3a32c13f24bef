namespace EdgeMobileNet.Station.Triggers;

/// <summary>
/// Edge-style triggers (GPIO, MQTT, later HTTP): something fires <see cref="TriggerQueue"/>, each trigger claims the
/// first frame captured after it, and the loop classifies those frames in order. Subclasses only start and stop
/// whatever fires.
/// </summary>
internal abstract class QueuedTrigger : ITriggerSource
{
    protected QueuedTrigger(TriggerQueue queue)
    {
        Queue = queue;
    }

    public abstract string Name { get; }

    public bool CountsDrops => false;

    protected TriggerQueue Queue { get; }

    public virtual void Start()
    {
    }

    public async ValueTask<TriggeredFrame?> NextAsync(CancellationToken cancellationToken)
    {
        while (await Queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!Queue.Reader.TryRead(out var trigger))
            {
                continue;
            }

            try
            {
                var frame = await trigger.Request.Frame.WaitAsync(cancellationToken).ConfigureAwait(false);
                return new TriggeredFrame(frame, trigger.Kind, trigger.Timestamp);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null; // the frame source ended before this trigger got its frame
            }
        }

        return null;
    }

    public void Release(TriggeredFrame frame) => Queue.ReturnBuffer(frame.Frame);

    public virtual void Dispose()
    {
    }
}

/// <summary>Trigger:Kind mqtt: a message on `cmd/trigger` (delivered by the MQTT publisher) fires a classification.</summary>
internal sealed class MqttTrigger(TriggerQueue queue) : QueuedTrigger(queue)
{
    public override string Name => "mqtt";

    public bool Fire() => Queue.Fire(Name);
}
