using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Contracts;

/// <summary>What every <see cref="IFrameSource"/> promises the pipeline; one subclass per implementation (a camera
/// source adds one more).</summary>
public abstract class FrameSourceContract
{
    private protected RunState Run { get; } = new(TimeProvider.System);

    [Fact]
    public async Task Frames_are_whole_in_order_and_stamped_when_captured()
    {
        var ct = TestContext.Current.CancellationToken;
        var slot = new LatestFrameSlot(TimeProvider.System, Run.Counters);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var before = TimeProvider.System.GetTimestamp();
        var running = CreateSource(lossless: true).RunAsync(slot, cts.Token);
        long lastSequence = 0, lastStamp = before;
        for (var i = 0; i < 3; i++)
        {
            var frame = await slot.TakeLatestAsync(cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.NotNull(frame);
            Assert.True(frame.Sequence > lastSequence, $"sequence {frame.Sequence} after {lastSequence}");
            Assert.True(frame.CaptureTimestamp >= lastStamp, "capture timestamps go forward");
            Assert.True(frame.Width > 0 && frame.Height > 0);
            Assert.Equal(FrameGeometry.BytesPerFrame(frame.Format, frame.Width, frame.Height), frame.Data.Length);
            (lastSequence, lastStamp) = (frame.Sequence, frame.CaptureTimestamp);
        }

        await cts.CancelAsync();
        await Ended(running);
    }

    [Fact]
    public async Task A_lossless_source_waits_until_its_frame_is_taken()
    {
        var ct = TestContext.Current.CancellationToken;
        var slot = new LatestFrameSlot(TimeProvider.System, Run.Counters);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = CreateSource(lossless: true).RunAsync(slot, cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (slot.LastSequence == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, ct);
        }

        await Task.Delay(300, ct);
        Assert.Equal(1, slot.LastSequence);
        Assert.Equal(0, Run.Counters.Dropped);
        await cts.CancelAsync();
        await Ended(running);
    }

    [Fact]
    public async Task Cancellation_ends_the_source_promptly_without_a_fault()
    {
        var ct = TestContext.Current.CancellationToken;
        var slot = new LatestFrameSlot(TimeProvider.System, Run.Counters);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = CreateSource(lossless: false).RunAsync(slot, cts.Token);
        await Task.Delay(200, ct);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await cts.CancelAsync();
        await Ended(running);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(2), $"took {stopping.Elapsed.TotalMilliseconds:0} ms");
    }

    private protected abstract IFrameSource CreateSource(bool lossless);

    private static async Task Ended(Task running)
    {
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
            // Ending by the cancellation exception is as good as returning (the capture service treats both alike).
        }
    }
}

public sealed class SyntheticFrameSourceContract : FrameSourceContract
{
    private protected override IFrameSource CreateSource(bool lossless) =>
        new SyntheticFrameSource(new ConveyorScene(64, 48, 1, 4), 200, lossless, TimeProvider.System);
}

public sealed class FileFrameSourceContract : FrameSourceContract
{
    private protected override IFrameSource CreateSource(bool lossless) =>
        new FileFrameSource(TestImages.Folder(["cat.jpg", "dog.jpg"]), 0, true, lossless, 224, Run, TimeProvider.System, NullLogger.Instance);
}

public sealed class PipeFrameSourceContract : FrameSourceContract
{
    private protected override IFrameSource CreateSource(bool lossless) => new PipeFrameSource(
        new PipeSettings("while true; do head -c 3072 /dev/urandom; sleep 0.01; done", PixelFormat.GRAY8, 64, 48, 0, lossless,
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)),
        Run, TimeProvider.System, NullLogger.Instance);
}
