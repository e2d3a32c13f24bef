using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>Trigger:Kind gpio: a debounced edge on an input pin (see <see cref="GpioEdgeTrigger"/>).</summary>
internal sealed class GpioTrigger : QueuedTrigger
{
    private readonly GpioEdgeTrigger _edges;

    public GpioTrigger(GpioController controller, TriggerOptions options, TriggerQueue queue, TimeProvider time)
        : base(queue)
    {
        _edges = new GpioEdgeTrigger(controller, options, queue, time);
    }

    public override string Name => "gpio";

    public override void Start() => _edges.Start();

    public override void Dispose() => _edges.Dispose();
}
