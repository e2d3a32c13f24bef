using System.Globalization;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Decisions;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.Systemd;
using EdgeMobileNet.Station.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Pipeline;

/// <summary>
/// The station loop: wait for a trigger, take its frame, classify, decide, drive the outputs, queue the event.
/// Continuous mode takes the newest frame at most Trigger:Rate times a second; gpio and mqtt modes classify the
/// first frame captured after each trigger. The model is loaded in <see cref="StartAsync"/>, so a bad model stops
/// the start-up with its message.
/// </summary>
internal sealed partial class InspectionService : BackgroundService
{
    private readonly StationOptions _options;
    private readonly ModelLoader _loader;
    private readonly LatestFrameSlot _slot;
    private readonly TriggerQueue _triggers;
    private readonly OutputBank _outputs;
    private readonly IEventOutbox _outbox;
    private readonly StationCounters _counters;
    private readonly StationState _state;
    private readonly LatencyStats _latency;
    private readonly StationFault _fault;
    private readonly PipelineHeartbeat _heartbeat;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<InspectionService> _logger;
    private readonly StationTopics _topics;
    private readonly ClassificationResult _result;
    private FrameClassifier? _classifier;
    private DecisionPolicy? _policy;
    private VerdictSmoother? _smoother;
    private EventJson? _json;

    public InspectionService(
        IOptions<StationOptions> options,
        ModelLoader loader,
        LatestFrameSlot slot,
        TriggerQueue triggers,
        OutputBank outputs,
        IEventOutbox outbox,
        StationCounters counters,
        StationState state,
        LatencyStats latency,
        StationFault fault,
        PipelineHeartbeat heartbeat,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILogger<InspectionService> logger)
    {
        _options = options.Value;
        _loader = loader;
        _slot = slot;
        _triggers = triggers;
        _outputs = outputs;
        _outbox = outbox;
        _counters = counters;
        _state = state;
        _latency = latency;
        _fault = fault;
        _heartbeat = heartbeat;
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
        _topics = new StationTopics(_options.Station.Id);
        _result = new ClassificationResult(_options.Model.TopK);
    }

    public static Action<ClassificationResult, FrameBuffer, IReadOnlyList<string>>? Observed;

    private bool Continuous => _options.Trigger.Kind == "continuous";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _classifier = _loader.Open(_options.Model);
        _policy = DecisionPolicy.Create(_options.Decision, _classifier.Labels);
        _smoother = Continuous && _options.Decision.Smoothing > 1 ? new VerdictSmoother(_options.Decision.Smoothing) : null;
        _json = new EventJson(_options.Station.Id, _state.RunId, _classifier.Labels);
        _slot.CountsDrops = Continuous;

        // The first run of an engine is slow (lazy allocation, kernel selection); pay it now, not on the first part.
        _classifier.Classifier.InputBuffer.Clear();
        _classifier.Classifier.Run();
        var input = _classifier.Classifier.Input;
        LogModel(_logger, _options.Model.Path, _classifier.Classifier.Engine, input.Width, input.Height, _classifier.Labels.Count, _options.Trigger.Kind);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _outputs.DriveSafe();
        var d = _latency.Decision();
        var o = _latency.Output();
        LogSummary(_logger, _counters.Frames, _counters.Classified, _counters.Dropped, d.Count, d.P50, d.P99, o.Count, o.P50, o.P99);
    }

    public override void Dispose()
    {
        _classifier?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Classification is CPU-bound: leave the start-up thread at once.
        await Task.Yield();
        try
        {
            if (Continuous)
            {
                await RunContinuousAsync(stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await RunTriggeredAsync(stoppingToken).ConfigureAwait(false);
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
    }

    private async Task RunContinuousAsync(CancellationToken ct)
    {
        var interval = _options.Trigger.Rate > 0 ? TimeSpan.FromSeconds(1 / _options.Trigger.Rate) : TimeSpan.Zero;
        var next = _time.GetTimestamp();
        while (true)
        {
            if (interval > TimeSpan.Zero)
            {
                var wait = -_time.GetElapsedTime(next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, ct).ConfigureAwait(false);
                }
            }

            var frame = await _slot.TakeLatestAsync(ct).ConfigureAwait(false);
            if (frame is null)
            {
                SourceEnded();
                return;
            }

            // Rate limit from the moment a frame was taken, so a slow source does not cause a burst later.
            next = _time.GetTimestamp() + (long)(interval.TotalSeconds * _time.TimestampFrequency);
            if (!Process(frame, "continuous", frame.CaptureTimestamp))
            {
                return;
            }
        }
    }

    private async Task RunTriggeredAsync(CancellationToken ct)
    {
        while (await _triggers.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (_triggers.Reader.TryRead(out var trigger))
            {
                FrameBuffer frame;
                try
                {
                    frame = await trigger.Request.Frame.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    SourceEnded();
                    return;
                }

                try
                {
                    if (!Process(frame, trigger.Kind, trigger.Timestamp))
                    {
                        return;
                    }
                }
                finally
                {
                    _slot.ReturnBuffer(frame);
                }
            }
        }
    }

    /// <summary>Classifies one frame and acts on it. False once Station:MaxFrames is reached.</summary>
    private bool Process(FrameBuffer frame, string trigger, long triggerTimestamp)
    {
        // The watchdog tells a loop waiting by design from one stuck in here.
        _heartbeat.Begin();
        try
        {
            return ProcessCore(frame, trigger, triggerTimestamp);
        }
        finally
        {
            _heartbeat.End();
        }
    }

    private bool ProcessCore(FrameBuffer frame, string trigger, long triggerTimestamp)
    {
        var r = _result;
        var picked = _time.GetTimestamp();
        _classifier!.Classify(frame, r);
        var raw = _policy!.Decide(r.Index, r.Score);
        var verdict = _smoother?.Add(raw) ?? raw;
        _outputs.Apply(verdict, triggerTimestamp);

        r.Verdict = verdict;
        r.Trigger = trigger;
        r.FrameSequence = frame.Sequence;
        r.Time = _time.GetUtcNow();
        r.CaptureMs = trigger == "continuous"
            ? Ms(frame.CaptureTimestamp, picked)
            : Math.Max(0, Ms(triggerTimestamp, frame.CaptureTimestamp));
        r.TotalMs = _time.GetElapsedTime(triggerTimestamp).TotalMilliseconds;
        r.Number = _counters.AddClassified(verdict);
        _state.LastVerdict = verdict;
        _latency.AddDecision(r.TotalMs);

        if (_options.Mqtt.Enabled && !_outbox.Enqueue(new OutboxMessage(_topics.Event, _json!.Event(r))))
        {
            _counters.AddEventDropped();
        }

        Observed?.Invoke(r, frame, _classifier!.Labels);
        if (_options.Station.PrintEvents)
        {
            PrintEvent(r);
        }

        if (_options.Station.MaxFrames > 0 && r.Number >= _options.Station.MaxFrames)
        {
            LogMaxFrames(_logger, r.Number);
            _lifetime.StopApplication();
            return false;
        }

        return true;
    }

    private void PrintEvent(ClassificationResult r)
    {
        var labels = _classifier!.Labels;
        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"#{r.Number,-5} frame {r.FrameSequence,-6} {labels[r.Index],-12} {r.Score,6:0.000}  → {r.Verdict.Name(),-7} {r.TotalMs,7:0.0} ms (inference {r.InferenceMs:0.0} ms)"));
    }

    private void SourceEnded()
    {
        LogSourceEnded(_logger);
        _lifetime.StopApplication();
    }

    private double Ms(long from, long to) => (to - from) * 1000.0 / _time.TimestampFrequency;

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Path} on {Engine}, input {Width}x{Height}, {Classes} classes; trigger {Trigger}")]
    private static partial void LogModel(ILogger logger, string path, string engine, int width, int height, int classes, string trigger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reached Station:MaxFrames after {Count} classifications; stopping")]
    private static partial void LogMaxFrames(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "No more frames; stopping")]
    private static partial void LogSourceEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frames {Frames}, classified {Classified}, dropped {Dropped}; trigger→verdict ms (n={DecisionCount}) p50 {DecisionP50:0.00} p99 {DecisionP99:0.00}; trigger→output ms (n={OutputCount}) p50 {OutputP50:0.00} p99 {OutputP99:0.00}")]
    private static partial void LogSummary(ILogger logger, long frames, long classified, long dropped, int decisionCount, double decisionP50, double decisionP99, int outputCount, double outputP50, double outputP99);
}
