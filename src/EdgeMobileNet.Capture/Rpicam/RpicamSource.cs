using System.Diagnostics;
using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.V4l2;
using Microsoft.Extensions.Logging;

namespace EdgeMobileNet.Capture.Rpicam;

/// <summary>
/// A Pi CSI camera through rpicam-vid (<c>Source:Kind rpicam</c>): starts the command built by
/// <see cref="RpicamCommand"/>, reads stride-padded YUV420 frames from its stdout with
/// <see cref="Yuv420StrideReader"/>, and restarts it with a doubling backoff when it exits (reported as
/// <see cref="CaptureState.Degraded"/> with its last stderr line). A missing executable is a
/// <see cref="CameraException"/> naming it. Capture times are the monotonic time each frame was read: rpicam-vid's
/// raw output carries no sensor timestamps.
/// </summary>
internal sealed partial class RpicamSource
{
    private readonly RpicamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _isPi5;

    public RpicamSource(RpicamOptions options, TimeProvider time, ILogger logger, bool? isPi5 = null)
    {
        options.Validate();
        _options = options;
        _time = time;
        _logger = logger;
        _isPi5 = isPi5 ?? RpicamCommand.IsPi5();
    }

    public IReadOnlyList<string> Arguments => RpicamCommand.Arguments(_options, _isPi5);

    public string Description => $"rpicam {_options.Executable} {string.Join(' ', Arguments)}";

    public long Frames { get; private set; }

    public int Starts { get; private set; }

    /// <summary>The executable's path; throws the one-line error when it is not installed.</summary>
    public string ResolveExecutable() =>
        RpicamCommand.Resolve(_options.Executable)
        ?? throw new CameraException($"Source:Kind rpicam: {_options.Executable} not found (install rpicam-apps: sudo apt install rpicam-apps; or set Source:Rpicam:Executable)");

    public async Task RunAsync(ICaptureSink sink, CancellationToken cancellationToken)
    {
        var executable = ResolveExecutable();
        sink.OnStateChanged(CaptureState.Starting, null);
        var backoff = TimeSpan.FromMilliseconds(_options.RestartMinMs);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (frames, exit, lastError) = await RunOnceAsync(executable, sink, cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                backoff = frames > 0 ? TimeSpan.FromMilliseconds(_options.RestartMinMs) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMilliseconds(_options.RestartMaxMs).Ticks));
                var reason = $"{_options.Executable} exited with code {exit} after {frames} frames{(lastError is null ? "" : $": {lastError}")}; restarting";
                LogDegraded(_logger, reason);
                sink.OnStateChanged(CaptureState.Degraded, reason);
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
        finally
        {
            sink.OnStateChanged(CaptureState.Stopped, null);
        }
    }

    private async Task<(long Frames, int Exit, string? LastError)> RunOnceAsync(string executable, ICaptureSink sink, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Arguments)
        {
            start.ArgumentList.Add(a);
        }

        string? lastError = null;
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lastError = line;
                LogStderr(_logger, line);
            }
        };
        process.Start();
        Starts++;
        process.BeginErrorReadLine();
        LogStarted(_logger, process.Id, executable, string.Join(' ', Arguments));
        var reader = new Yuv420StrideReader(_options.Width, _options.Height, _options.EffectiveStride);
        var stdout = process.StandardOutput.BaseStream;
        long frames = 0;
        try
        {
            while (await reader.ReadAsync(stdout, cancellationToken).ConfigureAwait(false))
            {
                if (frames == 0)
                {
                    sink.OnStateChanged(CaptureState.Streaming, null);
                }

                frames++;
                Frames++;
                Deliver(sink, reader, MonotonicClock.Nanoseconds(_time), Frames);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
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
        return (frames, process.ExitCode, lastError);
    }

    // Outside the async method: a CapturedFrame is a ref struct.
    private static void Deliver(ICaptureSink sink, Yuv420StrideReader reader, long timestampNs, long sequence) =>
        sink.OnFrame(reader.Current(timestampNs, sequence));

    [LoggerMessage(Level = LogLevel.Information, Message = "rpicam source started pid {Pid}: {Executable} {Arguments}")]
    private static partial void LogStarted(ILogger logger, int pid, string executable, string arguments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Degraded: {Reason}")]
    private static partial void LogDegraded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "rpicam stderr: {Line}")]
    private static partial void LogStderr(ILogger logger, string line);
}
