using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Runs the frame source on its own loop, feeding <see cref="LatestFrameSlot"/>. A source fault is a station
/// fault; a finite source ending is not (the loop then stops the station once the last frame is classified).</summary>
internal sealed partial class CaptureService : BackgroundService
{
    private readonly IFrameSource _source;
    private readonly LatestFrameSlot _slot;
    private readonly StationFault _fault;
    private readonly PipelineHeartbeat _heartbeat;
    private readonly ILogger<CaptureService> _logger;

    public CaptureService(IFrameSource source, LatestFrameSlot slot, StationFault fault, PipelineHeartbeat heartbeat, ILogger<CaptureService> logger)
    {
        _source = source;
        _slot = slot;
        _fault = fault;
        _heartbeat = heartbeat;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Capture must not share the caller's thread with host start-up.
        await Task.Yield();
        LogSource(_logger, _source.Description);
        try
        {
            await _source.RunAsync(_slot, stoppingToken).ConfigureAwait(false);
            if (!stoppingToken.IsCancellationRequested)
            {
                LogEnded(_logger);
                _slot.End();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal stop: the loop stops on its own token.
        }
        catch (Exception ex)
        {
            _fault.Report("frame source", ex);
            _slot.End();
        }
        finally
        {
            _heartbeat.LoopEnded();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame source: {Description}")]
    private static partial void LogSource(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame source finished")]
    private static partial void LogEnded(ILogger logger);
}
