using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

/// <summary>Source:Kind v4l2 through the station's frame-source seam, against the simulated V4L2 device.</summary>
public sealed class CameraSourceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static SourceOptions V4l2Options() => new()
    {
        Kind = SourceKind.V4l2,
        Width = 640,
        Height = 480,
        Formats = "YUYV",
        RestartMinMs = 1,
        RestartMaxMs = 20,
        StallIntervals = 30,
    };

    [Fact]
    public async Task Frames_carry_the_camera_capture_time_not_the_publish_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), time);
        var captured = new List<long>();
        device.OnFrameProduced = () =>
        {
            time.Advance(TimeSpan.FromMilliseconds(40));
            lock (captured)
            {
                captured.Add(MonotonicClock.Nanoseconds(time) / 1000 * 1000); // the buffer's timeval holds microseconds
            }
        };
        var run = new RunState(time);

        // The slot's own clock (publish time) is a different one: a frame stamped at publish would not match.
        var publishClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(10_000));
        var slot = new LatestFrameSlot(publishClock, new StationCounters()) { CountsDrops = false };
        var source = CaptureFrameSource.V4l2(V4l2Options(), device, null, run, time, NullLoggerFactory.Instance);
        Assert.Contains("YUYV 640x480", source.Description, StringComparison.Ordinal);

        var request = slot.RequestNextFrame(MonotonicClock.ToTimestamp(MonotonicClock.Nanoseconds(time) + 60_000_000, time));
        using var cts = new CancellationTokenSource();
        var running = source.RunAsync(slot, cts.Token);
        var frame = await request.Frame.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        // The edge was 60 ms after start: frame 1 was captured at +40 ms (before it), frame 2 at +80 ms.
        long firstAfter;
        lock (captured)
        {
            firstAfter = captured[1];
        }

        Assert.Equal(2, frame.Sequence);
        Assert.Equal(MonotonicClock.ToTimestamp(firstAfter, time), frame.CaptureTimestamp);
        Assert.Equal(PixelFormat.YUYV, frame.Format);
        Assert.Equal((640, 480), (frame.Width, frame.Height));
    }

    [Fact]
    public async Task A_lost_camera_degrades_health_with_the_reason_until_it_streams_again()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var run = new RunState(TimeProvider.System);
        run.Health.Started();
        var seen = new List<HealthSnapshot>();
        run.Health.Changed += h =>
        {
            lock (seen)
            {
                seen.Add(h);
            }
        };
        var slot = new LatestFrameSlot(TimeProvider.System, new StationCounters());
        var source = CaptureFrameSource.V4l2(V4l2Options(), device, null, run, TimeProvider.System, NullLoggerFactory.Instance);
        using var cts = new CancellationTokenSource();
        var running = source.RunAsync(slot, cts.Token);

        await Until(() => slot.LastSequence >= 2);
        Assert.Equal(HealthStatus.Running, run.Health.Current.Status);
        device.Unplug();
        await Until(() => run.Health.Current.Status == HealthStatus.Degraded);
        HealthSnapshot degraded;
        lock (seen)
        {
            degraded = seen.First(h => h.Status == HealthStatus.Degraded);
        }

        Assert.Equal(["camera /dev/video0 lost (ENODEV); reconnecting"], degraded.Reasons);
        var before = slot.LastSequence;

        device.Replug();
        await Until(() => run.Health.Current.Status == HealthStatus.Running && slot.LastSequence > before);
        Assert.Empty(run.Health.Current.Reasons);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void An_absent_device_is_one_line_naming_it()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var o = V4l2Options();
        o.Device = "/dev/video7";
        var e = Assert.ThrowsAny<CameraException>(() => CaptureFrameSource.V4l2(o, device, null, new RunState(TimeProvider.System), TimeProvider.System, NullLoggerFactory.Instance));
        Assert.Contains("/dev/video7", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
