using System.Globalization;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>Marks the station `degraded` ("no frames for N s") while the source delivers nothing for
/// Station:NoFramesSeconds, and clears that once frames flow again.</summary>
internal sealed partial class FrameWatch : BackgroundService
{
    public const string Condition = "no-frames";
    private readonly RunState _run;
    private readonly TimeSpan _limit;
    private readonly TimeProvider _time;
    private readonly ILogger<FrameWatch> _logger;

    public FrameWatch(RunState run, IOptions<StationOptions> station, TimeProvider time, ILogger<FrameWatch> logger)
    {
        _run = run;
        _limit = TimeSpan.FromSeconds(station.Value.NoFramesSeconds);
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(_limit.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        using var timer = new PeriodicTimer(period, _time);
        var frames = _run.Counters.Frames;
        var lastFrame = _time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = _run.Counters.Frames;
                if (now != frames)
                {
                    frames = now;
                    lastFrame = _time.GetTimestamp();
                    if (_run.Health.IsRaised(Condition))
                    {
                        _run.Health.Clear(Condition);
                        LogFramesAgain(_logger);
                    }
                }
                else if (_time.GetElapsedTime(lastFrame) >= _limit && !_run.Health.IsRaised(Condition))
                {
                    var seconds = _limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                    _run.Health.Raise(Condition, $"no frames for {seconds} s");
                    LogNoFrames(_logger, seconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No frames from the source for {Seconds} s (Station:NoFramesSeconds): degraded")]
    private static partial void LogNoFrames(ILogger logger, string seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frames arrive again")]
    private static partial void LogFramesAgain(ILogger logger);
}
