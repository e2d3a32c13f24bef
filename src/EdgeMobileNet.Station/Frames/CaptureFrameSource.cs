using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.Rpicam;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// A camera of the capture library (<c>Source:Kind v4l2</c> or <c>rpicam</c>) behind the station's frame-source seam:
/// each captured frame is packed (row padding dropped) or, for MJPEG, decoded at the model's scale into the slot's
/// back buffer and published with its capture time (CLOCK_MONOTONIC, the clock of GPIO edge timestamps). A lost or
/// stalled camera is the health condition "camera" with the capture library's reason until frames flow again.
/// </summary>
internal sealed class CaptureFrameSource : IFrameSource, ICaptureSink
{
    public const string Condition = "camera";

    private readonly Func<ICaptureSink, CancellationToken, Task> _run;
    private readonly int _decodeShortSide;
    private readonly StationHealth _health;
    private readonly TimeProvider _time;
    private LatestFrameSlot? _slot;
    private readonly FrameDecoder _decoder = new();
    private static readonly RgbDestination<FrameBuffer> IntoBuffer = static (buffer, width, height) => buffer.Prepare(PixelFormat.RGB24, width, height);

    public CaptureFrameSource(string description, Func<ICaptureSink, CancellationToken, Task> run, int? decodeShortSide, StationHealth health, TimeProvider time)
    {
        Description = description;
        _run = run;
        _decodeShortSide = decodeShortSide ?? 0;
        _health = health;
        _time = time;
    }

    public string Description { get; }

    /// <summary>A V4L2 camera; the device is opened, negotiated and closed again here (start-up check), so an
    /// absent device or a setting it refuses is one line before anything connects.</summary>
    public static CaptureFrameSource V4l2(SourceOptions o, IV4l2Device device, int? decodeShortSide, RunState run, TimeProvider time, ILoggerFactory loggers)
    {
        var source = new V4l2CaptureSource(CaptureSettings.V4l2(o), device, time, loggers.CreateLogger<V4l2CaptureSource>());
        var format = source.Check();
        return new CaptureFrameSource($"{source.Description} ({format.FourCc} {format.Width}x{format.Height})", source.RunAsync, decodeShortSide, run.Health, time);
    }

    /// <summary>A Pi CSI camera through rpicam-vid; a missing executable is one line before anything connects.</summary>
    public static CaptureFrameSource Rpicam(SourceOptions o, int? decodeShortSide, RunState run, TimeProvider time, ILoggerFactory loggers)
    {
        var source = new RpicamSource(CaptureSettings.Rpicam(o), time, loggers.CreateLogger<RpicamSource>());
        source.ResolveExecutable();
        return new CaptureFrameSource(source.Description, source.RunAsync, decodeShortSide, run.Health, time);
    }

    public async Task RunAsync(LatestFrameSlot slot, CancellationToken cancellationToken)
    {
        _slot = slot;
        try
        {
            await _run(this, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    public void OnFrame(in CapturedFrame frame)
    {
        var slot = _slot ?? throw new InvalidOperationException("not running");
        var buffer = slot.BeginWrite();
        if (frame.PackedFormat is { } packed)
        {
            FrameUnpacker.Pack(frame, buffer.Prepare(packed, frame.Width, frame.Height));
        }
        else
        {
            // MJPEG: decoded straight into the back buffer, at the model's scale (FrameUnpacker.ToRgb's pixels).
            _decoder.Decode(frame.Data, $"MJPEG frame {frame.Sequence}", _decodeShortSide, buffer, IntoBuffer);
        }

        slot.Publish(MonotonicClock.ToTimestamp(frame.TimestampNs, _time));
    }

    public void OnStateChanged(CaptureState state, string? reason)
    {
        if (state == CaptureState.Degraded)
        {
            _health.Raise(Condition, reason ?? "camera lost; reconnecting");
        }
        else if (state == CaptureState.Streaming)
        {
            _health.Clear(Condition);
        }
    }
}
