using System.Globalization;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Dataset;

/// <summary>
/// Encodes the frames <see cref="CaptureSink"/> picked as JPEG and writes them with their sidecar into the
/// <see cref="DatasetStore"/>, off the classification thread. Enforces `Capture:MaxFiles` and
/// `Capture:MaxMegabytes` (further captures are dropped and counted); a disk error drops that capture, is counted and
/// logged, and capturing goes on.
/// </summary>
internal sealed partial class CaptureWriter : BackgroundService
{
    private readonly CaptureSink _sink;
    private readonly DatasetStore _store;
    private readonly CaptureOptions _options;
    private readonly string _station;
    private readonly RunState _run;
    private readonly ILogger<CaptureWriter> _logger;
    private RgbImage? _rgb;
    private bool _fullLogged;

    public CaptureWriter(
        CaptureSink sink,
        DatasetStore store,
        IOptions<CaptureOptions> options,
        IOptions<StationOptions> station,
        RunState run,
        ILogger<CaptureWriter> logger)
    {
        _sink = sink;
        _store = store;
        _options = options.Value;
        _station = station.Value.Id;
        _run = run;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogCapturing(_logger, _store.Dir, _store.Count);
        try
        {
            await foreach (var pending in _sink.Pending.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    Write(pending);
                }
                finally
                {
                    _sink.Return(pending.Frame);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: captures still queued are dropped.
        }
    }

    private void Write(PendingCapture p)
    {
        if (_store.Count >= _options.MaxFiles || _store.Bytes >= _options.MaxMegabytes * 1024L * 1024L)
        {
            _sink.Counters.AddFull();
            if (!_fullLogged)
            {
                _fullLogged = true;
                LogFull(_logger, _store.Dir, _options.MaxFiles, _options.MaxMegabytes);
            }

            return;
        }

        _fullLogged = false;
        var r = p.Result;
        var run = _run.RunId;
        var id = string.Create(CultureInfo.InvariantCulture, $"{p.Time:yyyyMMdd-HHmmss-fff}-{run[..Math.Min(6, run.Length)]}-{r.Number}");
        var record = new CaptureRecord(
            id, p.Time, _station, run, r.Number, p.EventId, r.FrameSequence, r.Trigger, p.Reason, r.Label, r.Score, r.Verdict,
            r.Top, p.ModelSha256, p.Frame.Width, p.Frame.Height);
        try
        {
            _store.Save(record, Rgb(p.Frame), _options.JpegQuality, p.Class);
            _sink.Counters.AddSaved();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _sink.Counters.AddFailed();
            LogWriteFailed(_logger, id, ex.Message);
        }
    }

    private RgbImage Rgb(FrameBuffer frame)
    {
        if (frame.Format == PixelFormat.RGB24)
        {
            return frame.AsRgbImage();
        }

        if (_rgb is null || _rgb.Width != frame.Width || _rgb.Height != frame.Height)
        {
            _rgb = new RgbImage(frame.Width, frame.Height);
        }

        PixelConverter.ToRgb(frame.Data, frame.Format, frame.Width, frame.Height, _rgb);
        return _rgb;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Capturing frames into {Dir} ({Count} images there)")]
    private static partial void LogCapturing(ILogger logger, string dir, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dataset folder {Dir} is full (Capture:MaxFiles {Files}, Capture:MaxMegabytes {Megabytes}); captures are dropped and counted until images are deleted")]
    private static partial void LogFull(ILogger logger, string dir, int files, int megabytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Capture {Id} not written: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string id, string reason);
}
