using System.Device.Gpio;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>Owns the pins: outputs open at their safe level first thing, the trigger input (gpio mode) after, and on
/// stop the outputs return to safe before the controller closes.</summary>
internal sealed class GpioService : IHostedService, IDisposable
{
    private readonly StationOptions _options;
    private readonly GpioController _controller;
    private readonly OutputBank _outputs;
    private readonly TriggerQueue _triggers;
    private readonly TimeProvider _time;
    private GpioEdgeTrigger? _trigger;

    public GpioService(IOptions<StationOptions> options, GpioController controller, OutputBank outputs, TriggerQueue triggers, TimeProvider time)
    {
        _options = options.Value;
        _controller = controller;
        _outputs = outputs;
        _triggers = triggers;
        _time = time;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _outputs.Open();
        if (_options.Trigger.Kind == "gpio")
        {
            _trigger = new GpioEdgeTrigger(_controller, _options.Trigger, _triggers, _time);
            _trigger.Start();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _trigger?.Dispose();
        _outputs.DriveSafe();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _trigger?.Dispose();
        _outputs.DriveSafe();
    }
}
