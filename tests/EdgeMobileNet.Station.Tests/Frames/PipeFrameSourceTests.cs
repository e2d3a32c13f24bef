using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

public sealed class PipeFrameSourceTests
{
    [Fact]
    public async Task Whole_frames_only_and_the_command_is_restarted_when_it_exits()
    {
        // 8x4 GRAY8 = 32 bytes a frame. The command writes frames of 1s and 2s, then 16 bytes of 3s and exits.
        var dir = TestAssets.NewTempDir();
        var file = Path.Combine(dir, "frames.raw");
        await File.WriteAllBytesAsync(file, [.. Enumerable.Repeat((byte)1, 32), .. Enumerable.Repeat((byte)2, 32), .. Enumerable.Repeat((byte)3, 16)], TestContext.Current.CancellationToken);
        var counters = new StationCounters();
        var slot = new LatestFrameSlot(TimeProvider.System, counters);
        var source = new PipeFrameSource(
            new PipeSettings($"cat '{file}'", PixelFormat.GRAY8, 8, 4, Stride: 0, Lossless: true, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), TimeSpan.Zero),
            new RunState(TimeProvider.System), TimeProvider.System, NullLogger.Instance);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = source.RunAsync(slot, cts.Token);
        var seen = new List<byte>();
        for (var i = 0; i < 6; i++)
        {
            var frame = await slot.TakeLatestAsync(cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), cts.Token);
            Assert.NotNull(frame);
            Assert.Equal(32, frame.Data.Length);
            Assert.All(frame.Data, b => Assert.Equal(frame.Data[0], b));
            seen.Add(frame.Data[0]);
        }

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken); // stops without an error
        Assert.Equal([1, 2, 1, 2, 1, 2], seen);
        Assert.True(source.Starts >= 3, $"started {source.Starts} times");
    }

    [Fact]
    public async Task A_failing_command_is_retried_with_growing_backoff()
    {
        var slot = new LatestFrameSlot(TimeProvider.System, new StationCounters());
        var source = new PipeFrameSource(
            new PipeSettings("exit 3", PixelFormat.GRAY8, 8, 4, Stride: 0, Lossless: false, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(80), TimeSpan.Zero),
            new RunState(TimeProvider.System), TimeProvider.System, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await source.RunAsync(slot, cts.Token).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        // Backoff 40, 80, 80, … ms plus start-up: a handful of starts, neither one nor a busy loop.
        Assert.InRange(source.Starts, 3, 20);
        Assert.Equal(0, slot.LastSequence);
    }
}
