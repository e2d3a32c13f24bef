using EdgeMobileNet.Station.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>The one place a pipeline fault goes: outputs to their safe level first, then log, exit code 1, stop.</summary>
internal sealed partial class StationFault
{
    private readonly OutputBank _outputs;
    private readonly StationState _state;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StationFault> _logger;

    public StationFault(OutputBank outputs, StationState state, IHostApplicationLifetime lifetime, ILogger<StationFault> logger)
    {
        _outputs = outputs;
        _state = state;
        _lifetime = lifetime;
        _logger = logger;
    }

    public void Report(string where, Exception exception)
    {
        _outputs.DriveSafe();
        LogFault(_logger, where, exception.Message, exception);
        _state.ExitCode = 1;
        _lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Pipeline fault in {Where}: {Reason}; outputs at safe level, stopping")]
    private static partial void LogFault(ILogger logger, string where, string reason, Exception exception);
}
