using System.Globalization;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Systemd;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>
/// The station loop, one way: trigger → frame → classify → decide → record in <see cref="RunState"/> → every
/// <see cref="IResultSink"/>. Everything it uses was built and checked before the host started (model, labels, rules,
/// pins), so a bad setting never gets this far.
/// </summary>
internal sealed partial class InspectionLoop : BackgroundService
{
    private readonly ITriggerSource _trigger;
    private readonly Inspector _inspector;
    private readonly IResultSink[] _sinks;
    private readonly RunState _run;
    private readonly PipelineHeartbeat _heartbeat;
    private readonly StationFault _fault;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly StationOptions _station;
    private readonly ILogger<InspectionLoop> _logger;
    private readonly ClassificationResult _result;

    public InspectionLoop(
        ITriggerSource trigger,
        Inspector inspector,
        IEnumerable<IResultSink> sinks,
        RunState run,
        PipelineHeartbeat heartbeat,
        StationFault fault,
        IHostApplicationLifetime lifetime,
        IOptions<StationOptions> station,
        IOptions<ModelOptions> model,
        ILogger<InspectionLoop> logger)
    {
        _trigger = trigger;
        _inspector = inspector;
        _sinks = [.. sinks];
        _run = run;
        _heartbeat = heartbeat;
        _fault = fault;
        _lifetime = lifetime;
        _station = station.Value;
        _logger = logger;
        _result = inspector.NewResult(model.Value.TopK);
        var active = inspector.Active;
        var c = active.Classifier.Classifier;
        LogModel(logger, active.Info.Path, active.Info.Sha256, c.Engine, c.Input.Width, c.Input.Height, active.Classifier.Labels.Count, trigger.Name);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _run.Health.Stopped();
        var c = _run.Counters;
        LogCounts(_logger, c.Frames, c.Classified, c.Dropped, c.Skipped);
        LogLatency(_logger, "trigger→verdict", _run.Latency.Decision());
        LogLatency(_logger, "trigger→output", _run.Latency.Output());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _trigger.Start();
        _run.Health.Started();
        try
        {
            while (await _trigger.NextAsync(stoppingToken).ConfigureAwait(false) is { } frame)
            {
                try
                {
                    if (!Process(frame))
                    {
                        return;
                    }
                }
                finally
                {
                    _trigger.Release(frame);
                }
            }

            if (!_lifetime.ApplicationStopping.IsCancellationRequested)
            {
                LogSourceEnded(_logger);
                _lifetime.StopApplication();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal stop.
        }
        catch (Exception ex)
        {
            _fault.Report("classification", ex);
        }
        finally
        {
            _heartbeat.LoopEnded();
        }
    }

    /// <summary>Classifies one frame and hands the result on. False once Station:MaxFrames is reached.</summary>
    private bool Process(TriggeredFrame frame)
    {
        // The watchdog tells a loop waiting by design from one stuck in here.
        _heartbeat.Begin();
        try
        {
            _inspector.Inspect(frame, _result);
            _run.Record(_result);
            foreach (var sink in _sinks)
            {
                sink.Accept(_result);
            }
        }
        finally
        {
            _heartbeat.End();
        }

        if (_station.MaxFrames > 0 && _result.Number >= _station.MaxFrames)
        {
            LogMaxFrames(_logger, _result.Number);
            _lifetime.StopApplication();
            return false;
        }

        return true;
    }

    private static void LogLatency(ILogger logger, string what, LatencySummary s)
    {
        if (s.Count == 0)
        {
            LogNoLatency(logger, what);
        }
        else
        {
            LogPercentiles(logger, what, s.Count, s.P50!.Value.ToString("0.00", CultureInfo.InvariantCulture), s.P99!.Value.ToString("0.00", CultureInfo.InvariantCulture));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Path} (sha256 {Sha256}) on {Engine}, input {Width}x{Height}, {Classes} classes; trigger {Trigger}")]
    private static partial void LogModel(ILogger logger, string path, string sha256, string engine, int width, int height, int classes, string trigger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reached Station:MaxFrames after {Count} classifications; stopping")]
    private static partial void LogMaxFrames(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "The frame source has no more frames; stopping")]
    private static partial void LogSourceEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frames {Frames}, classified {Classified}, dropped {Dropped}, skipped {Skipped}")]
    private static partial void LogCounts(ILogger logger, long frames, long classified, long dropped, long skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "{What} ms (n={Count}): p50 {P50}, p99 {P99}")]
    private static partial void LogPercentiles(ILogger logger, string what, int count, string p50, string p99);

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: no samples")]
    private static partial void LogNoLatency(ILogger logger, string what);
}
