using EdgeMobileNet.Inference;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Station.Hosting;

/// <summary>`edgemobilenet snapshot`: one frame from the source configured exactly as for `run` (same files,
/// environment and keys, same checks), written as JPEG. No model, no GPIO, no MQTT.</summary>
public static class StationSnapshot
{
    /// <summary>Returns the exit code: 0 written, 2 bad input (one line on <see cref="StationLaunch.Error"/>), 1 no frame.</summary>
    public static async Task<int> RunAsync(StationLaunch launch, string outPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var error = launch.Error ?? Console.Error;
        try
        {
            using var host = StationHost.Build(launch);
            var services = host.Services;
            var options = services.GetRequiredService<IOptions<SourceOptions>>().Value;
            var time = services.GetRequiredService<TimeProvider>();
            var run = new RunState(time);
            var source = FrameSourceFactory.Create(options, null, run, time, services.GetRequiredService<ILoggerFactory>(), services.GetService<Capture.V4l2.IV4l2Device>());
            var slot = new LatestFrameSlot(time, run.Counters);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = source.RunAsync(slot, cts.Token);
            FrameBuffer? frame;
            try
            {
                frame = await slot.TakeLatestAsync(cts.Token).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                frame = null;
            }
            finally
            {
                await cts.CancelAsync().ConfigureAwait(false);
            }

            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            if (frame is null)
            {
                await error.WriteLineAsync($"edgemobilenet: snapshot: no frame from {source.Description} within {timeout.TotalSeconds:0} s").ConfigureAwait(false);
                return 1;
            }

            var rgb = frame.Format == PixelFormat.RGB24 ? frame.AsRgbImage() : new RgbImage(frame.Width, frame.Height);
            if (frame.Format != PixelFormat.RGB24)
            {
                PixelConverter.ToRgb(frame.Data, frame.Format, frame.Width, frame.Height, rgb);
            }

            try
            {
                JpegWriter.Write(rgb, outPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EdgeMobileNetException($"--out: cannot write {outPath}: {e.Message}", e);
            }

            return 0;
        }
        catch (Exception ex) when (StationHost.UserError(ex) is { } message)
        {
            await error.WriteLineAsync("edgemobilenet: " + message).ConfigureAwait(false);
            return 2;
        }
    }
}
