using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.Tests.Support;
using EdgeMobileNet.Capture.V4l2;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.Frames;

/// <summary>Trigger frames chosen by capture time: the first frame captured after the edge.</summary>
public sealed class FrameHistoryTests
{
    private static void Add(FrameHistory h, long ns, long seq) =>
        h.Add(new CapturedFrame(new[] { (byte)seq }, CaptureFormat.Grey, 1, 1, 1, ns, seq));

    [Fact]
    public void AnEdgeHandledLateStillGetsTheFirstFrameCapturedAfterIt()
    {
        var h = new FrameHistory(4);
        Add(h, 1_000, 1);
        Add(h, 34_000, 2);
        Add(h, 67_000, 3); // the edge came at 20 µs; this frame and the one before were read before the trigger was handled
        var answer = h.FirstAfter(20_000)!;
        Assert.Equal((2L, 34_000L, false), (answer.Frame.Sequence, answer.Frame.TimestampNs, answer.Late));
        Assert.Equal(2, answer.Frame.AsCaptured().Data[0]);
        Assert.Null(h.FirstAfter(67_000));
    }

    [Fact]
    public async Task AnEdgeAfterTheNewestFrameWaitsForTheNextOne()
    {
        var h = new FrameHistory(2);
        Add(h, 10, 1);
        var pending = h.FirstAfterAsync(15, TestContext.Current.CancellationToken);
        Assert.False(pending.IsCompleted);
        Add(h, 12, 2); // captured before the edge: does not answer
        Assert.False(pending.IsCompleted);
        Add(h, 40, 3);
        var answer = await pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(3, answer.Frame.Sequence);
    }

    [Fact]
    public void AHistoryTooShortForTheTriggersLatencySaysSo()
    {
        var h = new FrameHistory(2);
        Add(h, 10, 1);
        Add(h, 20, 2);
        Add(h, 30, 3); // evicts 10
        Add(h, 40, 4); // evicts 20, the true first frame after an edge at 15
        var answer = h.FirstAfter(15)!;
        Assert.Equal((3L, true), (answer.Frame.Sequence, answer.Late));
        Assert.False(h.FirstAfter(25)!.Late);
    }

    [Fact]
    public void WorksOnTheBufferTimestampsOfTheV4l2Source()
    {
        var time = new FakeTimeProvider();
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), time);
        device.OnFrameProduced = () => time.Advance(TimeSpan.FromMilliseconds(33));
        var history = new FrameHistory(8);
        long edge = 0;
        var sink = new HistorySink(history);
        using var cts = new CancellationTokenSource();
        sink.After = n =>
        {
            if (n == 2)
            {
                edge = MonotonicClock.Nanoseconds(time) - 1_000_000; // an edge 1 ms before frame 2 was captured
            }

            if (n == 5)
            {
                cts.Cancel();
            }
        };
        var source = new V4l2CaptureSource(new V4l2CaptureOptions { Formats = "YUYV" }, device, time, NullLogger.Instance);
        source.Run(sink, cts.Token);
        Assert.Equal(1, history.FirstAfter(edge)!.Frame.Sequence); // V4L2 sequence numbers start at 0
    }

    private sealed class HistorySink(FrameHistory history) : ICaptureSink
    {
        private int _n;

        public Action<int>? After { get; set; }

        public void OnFrame(in CapturedFrame frame)
        {
            history.Add(frame);
            After?.Invoke(++_n);
        }

        public void OnStateChanged(CaptureState state, string? reason)
        {
        }
    }
}
