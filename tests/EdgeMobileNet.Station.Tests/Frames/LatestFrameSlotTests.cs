using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Vision;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Frames;

public sealed class LatestFrameSlotTests
{
    private readonly StationCounters _counters = new();
    private readonly LatestFrameSlot _slot;

    public LatestFrameSlotTests() => _slot = new LatestFrameSlot(TimeProvider.System, _counters);

    [Fact]
    public async Task The_newest_frame_wins_and_overwritten_frames_are_counted_as_dropped()
    {
        for (byte v = 1; v <= 5; v++)
        {
            Publish(v);
        }

        var frame = await Take();
        Assert.Equal(5, frame.Sequence);
        Assert.Equal(5, frame.Data[0]);
        Assert.Equal(4, _counters.Dropped);
        Assert.Equal(5, _counters.Frames);

        // The taken buffer stays intact while the source keeps writing.
        Publish(6);
        Publish(7);
        Assert.Equal(5, frame.Data[0]);
        Assert.Equal(7, (await Take()).Sequence);
        Assert.Equal(5, _counters.Dropped);
    }

    [Fact]
    public async Task Take_waits_for_a_frame_newer_than_the_last_one_taken()
    {
        Publish(1);
        await Take();
        var pending = _slot.TakeLatestAsync(TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(pending.IsCompleted);
        Publish(2);
        Assert.Equal(2, (await pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken))!.Data[0]);
    }

    [Fact]
    public async Task A_frame_request_gets_the_first_frame_after_it_not_a_later_one()
    {
        Publish(1);
        var request = _slot.RequestNextFrame();
        Assert.False(request.Frame.IsCompleted);
        Publish(2);
        Publish(3);
        var frame = await request.Frame.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(2, frame.Sequence);
        Assert.Equal(2, frame.Data[0]);
    }

    [Fact]
    public async Task Ending_the_source_releases_waiters()
    {
        var pending = _slot.TakeLatestAsync(TestContext.Current.CancellationToken).AsTask();
        var request = _slot.RequestNextFrame();
        _slot.End();
        Assert.Null(await pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.Frame);
    }

    [Fact]
    public async Task A_trigger_gets_the_first_frame_captured_after_its_edge_even_when_handled_late()
    {
        _slot.CountsDrops = false; // trigger mode
        // Capture times 100, 200, 300, 400 published before the trigger (edge 150) is handled: frame 2 answers.
        for (byte v = 1; v <= 4; v++)
        {
            Publish(v, captureTimestamp: v * 100);
        }

        var late = _slot.RequestNextFrame(edge: 150);
        var frame = await late.Frame.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal((2, 200, (byte)2), (frame.Sequence, frame.CaptureTimestamp, frame.Data[0]));

        // A frame published after the request but captured before its edge (camera latency) is not the answer.
        var early = _slot.RequestNextFrame(edge: 450);
        Publish(5, captureTimestamp: 440);
        Assert.False(early.Frame.IsCompleted);
        Publish(6, captureTimestamp: 480);
        frame = await early.Frame.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal((6, 480, (byte)6), (frame.Sequence, frame.CaptureTimestamp, frame.Data[0]));
    }

    private void Publish(byte value, long captureTimestamp)
    {
        var buffer = _slot.BeginWrite();
        buffer.Prepare(PixelFormat.GRAY8, 8, 8).Fill(value);
        _slot.Publish(captureTimestamp);
    }

    private void Publish(byte value)
    {
        _slot.BeginWrite().Prepare(PixelFormat.GRAY8, 4, 2).Fill(value);
        _slot.Publish();
    }

    private async Task<FrameBuffer> Take() =>
        (await _slot.TakeLatestAsync(TestContext.Current.CancellationToken))!;
}
