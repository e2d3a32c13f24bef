using System.Diagnostics;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// Raw frames from a command's stdout (rpicam-vid --codec yuv420, ffmpeg -f rawvideo, …). Each frame is exactly
/// <see cref="FrameGeometry.BytesPerFrame"/> bytes; a frame cut short by the command exiting is discarded, never
/// published. When the command exits it is started again after a backoff that doubles up to the maximum and resets
/// once frames flow again.
/// </summary>
internal sealed partial class PipeFrameSource : IFrameSource
{
    private readonly string _command;
    private readonly PixelFormat _format;
    private readonly int _width;
    private readonly int _height;
    private readonly bool _lossless;
    private readonly TimeSpan _restartMin;
    private readonly TimeSpan _restartMax;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PipeFrameSource(
        string command, PixelFormat format, int width, int height, bool lossless,
        TimeSpan restartMin, TimeSpan restartMax, TimeProvider time, ILogger logger)
    {
        _command = command;
        _format = format;
        _width = width;
        _height = height;
        _lossless = lossless;
        _restartMin = restartMin;
        _restartMax = restartMax;
        _time = time;
        _logger = logger;
    }

    public string Description => $"pipe {_width}x{_height} {_format} from `{_command}`";

    /// <summary>Number of times the command has been started (for tests and logs).</summary>
    public int Starts { get; private set; }

    public async Task RunAsync(LatestFrameSlot slot, CancellationToken cancellationToken)
    {
        var frameBytes = FrameGeometry.BytesPerFrame(_format, _width, _height);
        var backoff = _restartMin;
        while (!cancellationToken.IsCancellationRequested)
        {
            var frames = await RunOnceAsync(slot, frameBytes, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            backoff = frames > 0 ? _restartMin : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _restartMax.Ticks));
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

    private async Task<long> RunOnceAsync(LatestFrameSlot slot, int frameBytes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_command);
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                LogStderr(_logger, line);
            }
        };
        process.Start();
        Starts++;
        process.BeginErrorReadLine();
        LogStarted(_logger, process.Id, _command);
        long frames = 0;
        var stdout = process.StandardOutput.BaseStream;
        try
        {
            while (true)
            {
                var buffer = slot.BeginWrite();
                buffer.Prepare(_format, _width, _height);
                var read = await stdout.ReadAtLeastAsync(buffer.Data.AsMemory(0, frameBytes), frameBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read < frameBytes)
                {
                    if (read > 0)
                    {
                        LogShortRead(_logger, read, frameBytes);
                    }

                    break;
                }

                slot.Publish();
                frames++;
                if (_lossless)
                {
                    await slot.WaitUntilTakenAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the finally block ends the command.
        }
        finally
        {
            if (!process.HasExited)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }
        }

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (!cancellationToken.IsCancellationRequested)
        {
            LogExited(_logger, process.ExitCode, frames);
        }

        return frames;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipe source started pid {Pid}: {Command}")]
    private static partial void LogStarted(ILogger logger, int pid, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipe source command exited with code {ExitCode} after {Frames} frames")]
    private static partial void LogExited(ILogger logger, int exitCode, long frames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipe source: discarded a partial frame ({Read} of {Expected} bytes)")]
    private static partial void LogShortRead(ILogger logger, int read, int expected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipe source: restarting in {DelayMs} ms (last run delivered {Frames} frames)")]
    private static partial void LogRestart(ILogger logger, long frames, double delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pipe source stderr: {Line}")]
    private static partial void LogStderr(ILogger logger, string line);
}
