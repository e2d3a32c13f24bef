using EdgeMobileNet.Station.Frames;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Runs the frame source on its own loop, feeding <see cref="LatestFrameSlot"/>. A source fault stops the
/// station (outputs go safe in <see cref="InspectionService"/>); a finite source ending is not a fault.</summary>
internal sealed partial class CaptureService : BackgroundService
{
    private readonly IFrameSource _source;
    private readonly LatestFrameSlot _slot;
    private readonly StationFault _fault;
    private readonly ILogger<CaptureService> _logger;

    public CaptureService(IFrameSource source, LatestFrameSlot slot, StationFault fault, ILogger<CaptureService> logger)
    {
        _source = source;
        _slot = slot;
        _fault = fault;
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
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal stop.
        }
        catch (Exception ex)
        {
            _fault.Report("frame source", ex);
        }
        finally
        {
            _slot.End();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame source: {Description}")]
    private static partial void LogSource(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame source finished")]
    private static partial void LogEnded(ILogger logger);
}
