using Microsoft.Extensions.Hosting;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>Owns the output pins' life: they open at their safe level first thing, and on stop return to safe before
/// the controller closes. (The trigger input is opened by its trigger source when the loop starts.)</summary>
internal sealed class GpioService(OutputBank outputs) : IHostedService, IDisposable
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        outputs.Open();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        outputs.DriveSafe();
        return Task.CompletedTask;
    }

    public void Dispose() => outputs.DriveSafe();
}
