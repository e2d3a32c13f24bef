using System.Diagnostics;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Frames;

/// <summary>Settings of a <see cref="PipeFrameSource"/>.</summary>
internal sealed record PipeSettings(
    string Command, PixelFormat Format, int Width, int Height, int Stride, bool Lossless,
    TimeSpan RestartMin, TimeSpan RestartMax, TimeSpan StallTimeout);

/// <summary>
/// Raw frames from a command's stdout (rpicam-vid --codec yuv420, ffmpeg -f rawvideo, …). Each frame is exactly
/// <see cref="FrameGeometry.BytesPerFrame"/> bytes (or, with Source:Stride, that many padded rows); a frame cut short
/// by the command exiting is discarded, never published. When the command exits, or stalls (no complete frame within
/// the stall timeout), it is ended and started again after a backoff that doubles up to the maximum and resets once
/// frames flow again. The command runs in its own process group, so its children end with it.
/// </summary>
internal sealed partial class PipeFrameSource : IFrameSource
{
    public const string StalledCondition = "source-stalled";
    private readonly PipeSettings _s;
    private readonly RunState _run;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PipeFrameSource(PipeSettings settings, RunState run, TimeProvider time, ILogger logger)
    {
        _s = settings;
        _run = run;
        _time = time;
        _logger = logger;
    }

    public string Description => $"pipe {_s.Width}x{_s.Height} {_s.Format} from `{_s.Command}`";

    /// <summary>Number of times the command has been started (for tests and logs).</summary>
    public int Starts { get; private set; }

    public async Task RunAsync(LatestFrameSlot slot, CancellationToken cancellationToken)
    {
        var backoff = _s.RestartMin;
        while (!cancellationToken.IsCancellationRequested)
        {
            var frames = await RunOnceAsync(slot, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            backoff = frames > 0 ? _s.RestartMin : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _s.RestartMax.Ticks));
            LogRestart(_logger, frames, backoff.TotalMilliseconds);
            try
            {
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<long> RunOnceAsync(LatestFrameSlot slot, CancellationToken cancellationToken)
    {
        using var command = PipeCommand.Start(_s.Command, line => LogStderr(_logger, line));
        Starts++;
        LogStarted(_logger, command.Pid, _s.Command);
        var packedBytes = FrameGeometry.BytesPerFrame(_s.Format, _s.Width, _s.Height);
        var frameBytes = _s.Stride > 0 ? StridedFrame.Bytes(_s.Format, _s.Height, _s.Stride) : packedBytes;
        var padded = _s.Stride > 0 ? new byte[frameBytes] : null;
        long frames = 0;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                var buffer = slot.BeginWrite();
                buffer.Prepare(_s.Format, _s.Width, _s.Height);
                var target = padded ?? buffer.Data;
                if (_s.StallTimeout > TimeSpan.Zero)
                {
                    stall.CancelAfter(_s.StallTimeout);
                }

                var read = await command.Stdout.ReadAtLeastAsync(target.AsMemory(0, frameBytes), frameBytes, throwOnEndOfStream: false, stall.Token).ConfigureAwait(false);
                if (read < frameBytes)
                {
                    if (read > 0)
                    {
                        LogShortRead(_logger, read, frameBytes, _s.Width, _s.Height, _s.Format);
                    }

                    break;
                }

                stall.CancelAfter(Timeout.InfiniteTimeSpan);
                if (padded is not null)
                {
                    StridedFrame.Pack(padded, buffer.Data, _s.Format, _s.Width, _s.Height, _s.Stride);
                }

                slot.Publish();
                if (frames++ == 0)
                {
                    _run.Health.Clear(StalledCondition);
                }

                if (_s.Lossless)
                {
                    await slot.WaitUntilTakenAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogStalled(_logger, command.Pid, _s.StallTimeout.TotalMilliseconds, frames);
            _run.Health.Raise(StalledCondition, $"pipe source stalled: no frame for {_s.StallTimeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException)
        {
            // Stopping: disposing the command ends it.
        }

        var exitCode = await command.EndAsync().ConfigureAwait(false);
        if (!cancellationToken.IsCancellationRequested)
        {
            LogExited(_logger, exitCode, frames);
        }

        return frames;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipe source started pid {Pid}: {Command}")]
    private static partial void LogStarted(ILogger logger, int pid, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipe source command exited with code {ExitCode} after {Frames} frames")]
    private static partial void LogExited(ILogger logger, int? exitCode, long frames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipe source: discarded a partial frame ({Read} of {Expected} bytes); if every run ends like this, check Source:Width, Source:Height, Source:PixelFormat and Source:Stride against the command's output ({Width}x{Height} {Format})")]
    private static partial void LogShortRead(ILogger logger, int read, int expected, int width, int height, PixelFormat format);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipe source stalled: pid {Pid} delivered no complete frame in {TimeoutMs} ms (after {Frames} frames); ending it (Source:StallTimeoutMs)")]
    private static partial void LogStalled(ILogger logger, int pid, double timeoutMs, long frames);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipe source: restarting in {DelayMs} ms (last run delivered {Frames} frames)")]
    private static partial void LogRestart(ILogger logger, long frames, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipe source stderr: {Line}")]
    private static partial void LogStderr(ILogger logger, string line);
}
