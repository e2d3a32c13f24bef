using System.Globalization;
using System.Security.Cryptography;
using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Dataset;
using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Learn;

/// <summary>
/// One training job at a time, started from the page: <see cref="TrainingPipeline.Run"/> on the dataset folder, in
/// the station process, on one thread at the lowest priority (nice 19 on Linux) with one worker thread for the
/// arithmetic, so the classification loop keeps its rate. The model and its report go to `trained/` in the state
/// directory; <see cref="DeployAsync"/> hands a trained model to <see cref="IModelDeployer"/>. Every change bumps
/// <see cref="Version"/>, which the live stream watches.
/// </summary>
internal sealed partial class TrainingJob
{
    private readonly DatasetStore _store;
    private readonly StationTrainingOptions _options;
    private readonly string _modelPath;
    private readonly string _stateDir;
    private readonly IModelDeployer? _deployer;
    private readonly TimeProvider _time;
    private readonly ILogger<TrainingJob> _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _deploying = new(1, 1);
    private TrainingStatusDto _status = new("idle", 0, null, null, null, null, null, null, null, null);
    private CancellationTokenSource? _cancel;
    private long _version;

    public TrainingJob(
        DatasetStore store,
        IOptions<StationTrainingOptions> options,
        IOptions<ModelOptions> model,
        IOptions<StationOptions> station,
        IServiceProvider services,
        TimeProvider time,
        ILogger<TrainingJob> logger)
    {
        _store = store;
        _options = options.Value;
        _modelPath = model.Value.Path;
        _stateDir = CaptureServices.StationStateDir(services, _ => station.Value.StateDir);
        _deployer = services.GetService(typeof(IModelDeployer)) as IModelDeployer;
        _time = time;
        _logger = logger;
    }

    /// <summary>Bumped on every change of <see cref="Status"/>.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Trained models and their reports (`trained-&lt;time&gt;.onnx`, `.onnx.json`); not `models/`, which
    /// holds the deployed copies and is pruned by each deployment.</summary>
    public string ModelsDir => Path.Combine(_stateDir, "trained");

    public bool CanDeploy => _deployer is not null;

    public TrainingStatusDto Status()
    {
        lock (_gate)
        {
            return _status with { Version = Version };
        }
    }

    /// <summary>Starts a job; null when started, else why not (one running already, too few classes).</summary>
    public string? Start()
    {
        var (classes, _) = _store.Classes();
        var filled = classes.Where(c => c.Count > 0).ToList();
        if (filled.Count < 2)
        {
            return $"need at least two classes with images in {_store.Dir} (have {filled.Count}): label some captures first";
        }

        lock (_gate)
        {
            if (_status.State == "running")
            {
                return "a training job is running (one at a time)";
            }

            _cancel?.Dispose();
            _cancel = new CancellationTokenSource();
            var backbone = _options.Backbone.Length > 0 ? _options.Backbone : _deployer?.Current.Path ?? _modelPath;
            _store.TrainingRunning = true;
            Update(_ => new TrainingStatusDto("running", 0, _time.GetUtcNow(), null, Path.GetFileName(backbone), null, null, null, null, null));
            var token = _cancel.Token;
            var thread = new Thread(() => Run(backbone, token)) { IsBackground = true, Name = "training", Priority = ThreadPriority.BelowNormal };
            thread.Start();
            return null;
        }
    }

    /// <summary>Asks the running job to stop; false when none runs.</summary>
    public bool Cancel()
    {
        lock (_gate)
        {
            if (_status.State != "running" || _cancel is null)
            {
                return false;
            }

            _cancel.Cancel();
            return true;
        }
    }

    private void Run(string backbone, CancellationToken cancel)
    {
        var niced = ThreadNice.Lower(19);
        LogStarted(_logger, _store.Dir, backbone, niced);
        try
        {
            var options = new TrainingOptions
            {
                Backbone = backbone,
                Data = _store.Dir,
                CacheDir = Path.Combine(_stateDir, "training-cache"),
                Method = _options.Method,
                Folds = _options.Folds,
                Settings = new TrainerSettings { Threads = 1 },
                // A blocking, compacting collection would pause the classification loop too.
                CompactBetweenStages = false,
            };
            if (_options.Backbone.Length == 0)
            {
                CheckRunningModelIsBackbone(backbone);
            }

            var result = TrainingPipeline.Run(options, new ProgressSink(this), cancel);
            Directory.CreateDirectory(ModelsDir);
            var file = string.Create(CultureInfo.InvariantCulture, $"trained-{_time.GetUtcNow():yyyyMMdd-HHmmss}.onnx");
            var path = Path.Combine(ModelsDir, file);
            File.WriteAllBytes(path + ".tmp", result.ModelBytes);
            File.Move(path + ".tmp", path, overwrite: true);
            File.WriteAllText(path + ".json", TrainingPipeline.ToJson(result.Report));
            var model = new TrainedModelDto(file, Convert.ToHexStringLower(SHA256.HashData(result.ModelBytes)), result.ModelBytes.Length, [.. result.Report.Classes]);
            Finish(s => s with { State = "succeeded", Model = model, Report = result.Report });
            LogSucceeded(_logger, path, result.Report.HeldOutAccuracyInt8 ?? result.Report.HeldOutAccuracy ?? double.NaN);
        }
        catch (OperationCanceledException)
        {
            Finish(s => s with { State = "cancelled" });
            LogCancelled(_logger);
        }
        catch (Exception ex)
        {
            // Bad data, an unsupported backbone, a full disk: the job fails with the reason; the station goes on.
            Finish(s => s with { State = "failed", Error = ex.Message });
            LogFailed(_logger, ex.Message, ex);
        }
    }

    /// <summary>Without Training:Backbone the running model is the backbone: say so when it cannot be one.</summary>
    private static void CheckRunningModelIsBackbone(string path)
    {
        try
        {
            _ = Backbone.Load(path);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new EdgeMobileNetException($"Training:Backbone: the running model {Path.GetFileName(path)} cannot serve as a backbone ({ex.Message}); set Training:Backbone to an ImageNet MobileNet", ex);
        }
    }

    private void Finish(Func<TrainingStatusDto, TrainingStatusDto> change)
    {
        _store.TrainingRunning = false;
        Update(s => change(s) with { Finished = _time.GetUtcNow() });
    }

    private void Update(Func<TrainingStatusDto, TrainingStatusDto> change)
    {
        lock (_gate)
        {
            _status = change(_status);
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Keeps the latest report of the pipeline (called on the training thread).</summary>
    private sealed class ProgressSink(TrainingJob job) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) => job.Update(s => s.State != "running" ? s : s with
        {
            Progress = new ProgressDto(p.Stage, p.Done, p.Total, Math.Round(p.RatePerSecond, 2), p.Remaining is { } r ? Math.Round(r.TotalSeconds, 1) : null, p.ToString()),
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training on {Dir} with backbone {Backbone} (thread niced: {Niced})")]
    private static partial void LogStarted(ILogger logger, string dir, string backbone, bool niced);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training done: {Path} (held-out accuracy {Accuracy:0.###})")]
    private static partial void LogSucceeded(ILogger logger, string path, double accuracy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training cancelled")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason, Exception exception);
}
