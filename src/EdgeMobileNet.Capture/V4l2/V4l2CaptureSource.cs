using EdgeMobileNet.Capture.Frames;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Capture.V4l2;

/// <summary>
/// A V4L2 camera as a frame source (<c>Source:Kind v4l2</c>): runs <see cref="V4l2CaptureSession"/>s on a dedicated
/// thread and keeps the camera coming back. The first session's configuration errors (absent device, unsupported
/// format, control out of range) end <see cref="RunAsync"/> with a <see cref="CameraException"/>; once it has
/// streamed, a lost device (ENODEV) or a stalled one (no frame for <see cref="V4l2CaptureOptions.StallIntervals"/>
/// frame intervals) reports <see cref="CaptureState.Degraded"/> with the reason and is reopened with a backoff that
/// doubles up to <see cref="V4l2CaptureOptions.RestartMaxMs"/>. Cancelling wakes the blocked poll at once.
/// </summary>
internal sealed partial class V4l2CaptureSource
{
    private readonly V4l2CaptureOptions _options;
    private readonly IV4l2Device _device;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ControlWrite> _controls;

    public V4l2CaptureSource(V4l2CaptureOptions options, IV4l2Device device, TimeProvider time, ILogger logger)
    {
        options.Validate();
        _options = options;
        _device = device;
        _time = time;
        _logger = logger;
        _controls = options.Controls.Parse();
    }

    public string Description => $"v4l2 {_options.Device} {_options.Width}x{_options.Height} {_options.Formats}";

    public CaptureCounters Counters { get; } = new();

    /// <summary>The format of the current (or last) session.</summary>
    public NegotiatedFormat? Format { get; private set; }

    /// <summary>A start-up check: opens the device, negotiates the format, applies the controls, maps and starts the
    /// buffers, then closes it again. Throws the one-line <see cref="CameraException"/> a bad setting or an absent
    /// device gives, so it can be reported (exit code 2) before anything else starts.</summary>
    public NegotiatedFormat Check()
    {
        using var session = V4l2CaptureSession.Start(_device, _options, _controls);
        return session.Format;
    }

    /// <summary>Runs until cancelled. Blocking system calls run on a dedicated thread, not the thread pool.</summary>
    public Task RunAsync(ICaptureSink sink, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(sink, cancellationToken);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "v4l2 capture",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>The capture loop on the calling thread.</summary>
    public void Run(ICaptureSink sink, CancellationToken cancellationToken)
    {
        var wake = _device.CreateWakeHandle();
        if (wake < 0)
        {
            throw new CameraException($"{_options.Device}: cannot create a wake handle ({Errno.Name(-wake)})", -wake);
        }

        using var registration = cancellationToken.Register(() => _device.Wake(wake));
        try
        {
            RunSessions(sink, wake, cancellationToken);
        }
        finally
        {
            _device.CloseWakeHandle(wake);
            sink.OnStateChanged(CaptureState.Stopped, null);
        }
    }

    private void RunSessions(ICaptureSink sink, int wake, CancellationToken cancellationToken)
    {
        sink.OnStateChanged(CaptureState.Starting, null);
        var streamedOnce = false;
        var backoff = TimeSpan.FromMilliseconds(_options.RestartMinMs);
        while (!cancellationToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                using var session = V4l2CaptureSession.Start(_device, _options, _controls);
                Format = session.Format;
                LogStreaming(_logger, _options.Device, session.Card, session.Format.FourCc, session.Format.Width, session.Format.Height,
                    session.Format.Stride, session.Format.FramesPerSecond ?? 0, session.BufferCount);
                streamedOnce = true;
                backoff = TimeSpan.FromMilliseconds(_options.RestartMinMs);
                var stallMs = StallTimeoutMs(session.Format.FramesPerSecond);
                var forwarding = new StateOnFirstFrame(sink);
                var end = session.Run(forwarding, wake, stallMs, Counters, _time);
                if (end == SessionEnd.Stopped)
                {
                    return;
                }

                if (end == SessionEnd.Stalled)
                {
                    Counters.AddStall();
                    reason = $"camera {_options.Device} stalled: no frame for {stallMs} ms; reopening";
                }
                else
                {
                    reason = $"camera {_options.Device} lost (ENODEV); reconnecting";
                }
            }
            catch (CameraLostException e) when (streamedOnce)
            {
                reason = $"camera {_options.Device} lost ({e.Message}); reconnecting";
            }
            catch (CameraException e) when (streamedOnce && e.Errno != 0)
            {
                // Coming back half-initialised (EBUSY, EIO while the driver settles): retry like a loss.
                reason = $"camera {_options.Device}: {e.Message}; retrying";
            }

            LogDegraded(_logger, reason);
            sink.OnStateChanged(CaptureState.Degraded, reason);
            Counters.AddReconnect();
            if (!WaitForRetry(backoff, cancellationToken))
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMilliseconds(_options.RestartMaxMs).Ticks));
        }
    }

    internal int StallTimeoutMs(double? fps)
    {
        var interval = fps is > 0 ? 1000.0 / fps.Value : _options.FrameRate > 0 ? 1000.0 / _options.FrameRate : 100;
        return (int)Math.Max(1000, Math.Ceiling(_options.StallIntervals * interval));
    }

    private bool WaitForRetry(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            Task.Delay(delay, _time, cancellationToken).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Reports Streaming when the first frame of a session arrives (not when STREAMON succeeds: a camera can accept
    // STREAMON and still deliver nothing).
    private sealed class StateOnFirstFrame(ICaptureSink inner) : ICaptureSink
    {
        private bool _seen;

        public void OnFrame(in CapturedFrame frame)
        {
            if (!_seen)
            {
                _seen = true;
                inner.OnStateChanged(CaptureState.Streaming, null);
            }

            inner.OnFrame(frame);
        }

        public void OnStateChanged(CaptureState state, string? reason) => inner.OnStateChanged(state, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {Device} ({Card}) streaming {FourCc} {Width}x{Height}, {Stride} bytes per line, {Fps} fps, {Buffers} buffers")]
    private static partial void LogStreaming(ILogger logger, string device, string card, string fourCc, int width, int height, int stride, double fps, int buffers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Degraded: {Reason}")]
    private static partial void LogDegraded(ILogger logger, string reason);
}
