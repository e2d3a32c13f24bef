using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>The one place a pipeline fault goes: outputs to their safe level first, then health `fault` with the
/// reason (published as `state`), log, exit code 1, stop.</summary>
internal sealed partial class StationFault
{
    private readonly OutputBank _outputs;
    private readonly RunState _run;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StationFault> _logger;

    public StationFault(OutputBank outputs, RunState run, IHostApplicationLifetime lifetime, ILogger<StationFault> logger)
    {
        _outputs = outputs;
        _run = run;
        _lifetime = lifetime;
        _logger = logger;
    }

    public void Report(string where, Exception exception)
    {
        _outputs.DriveSafe();
        var reason = $"{where}: {Messages.OneLine(exception.Message)}";
        _run.Health.Fault(reason);
        LogFault(_logger, reason, exception is Inference.EdgeMobileNetException ? null : exception);
        _run.ExitCode = 1;
        _lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Pipeline fault in {Reason}; outputs at safe level, stopping")]
    private static partial void LogFault(ILogger logger, string reason, Exception? exception);
}
