using EdgeMobileNet.Capture.Frames;
using EdgeMobileNet.Capture.Tests.Support;
using EdgeMobileNet.Capture.V4l2;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.V4l2;

/// <summary>The capture state machine against the simulated device at the syscall seam.</summary>
public sealed class CaptureStateMachineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static V4l2CaptureOptions Options(string formats = "auto", int width = 640, int height = 480) => new()
    {
        Formats = formats,
        Width = width,
        Height = height,
        FrameRate = 30,
        RestartMinMs = 1,
        RestartMaxMs = 20,
        StallIntervals = 2,
    };

    // Runs the source until `stopWhen` says so (checked on every frame and state change), then cancels and waits.
    private static RecordingSink RunUntil(SimulatedV4l2Device device, V4l2CaptureOptions options, Func<RecordingSink, bool> stopWhen, TimeProvider? time = null)
    {
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        sink.OnEachFrame = _ =>
        {
            if (stopWhen(sink))
            {
                cts.Cancel();
            }
        };
        sink.OnEachState = (_, _) =>
        {
            if (stopWhen(sink))
            {
                cts.Cancel();
            }
        };
        var source = new V4l2CaptureSource(options, device, time ?? TimeProvider.System, NullLogger.Instance);
        var run = source.RunAsync(sink, cts.Token);
        Assert.True(run.Wait(Timeout), "capture did not stop");
        return sink;
    }

    [Fact]
    public void NegotiatesThePreferredFormatAndHonoursTheDriversStride()
    {
        // 640 px YUYV is 1280 bytes a row; the driver pads rows to 1536 (512-byte alignment).
        using var device = new SimulatedV4l2Device(new SimulatedCamera { StrideAlign = 512 }, TimeProvider.System);
        var sink = RunUntil(device, Options("YUYV"), s => s.Frames.Count >= 3);

        var f = sink.Frames[0];
        Assert.Equal((CaptureFormat.Yuyv, 640, 480, 1536), (f.Format, f.Width, f.Height, f.Stride));
        Assert.Equal(1536 * 480, f.Data.Length);
        Assert.Equal([0L, 1L, 2L], sink.Frames.Take(3).Select(x => x.Sequence));

        // Packed through the same unpacker the station adapter uses: the padding (0xEE) is gone, every pixel byte is
        // the frame's sequence number.
        var packed = new byte[FrameGeometry.BytesPerFrame(PixelFormat.YUYV, 640, 480)];
        var frame = new CapturedFrame(sink.Frames[2].Data, f.Format, f.Width, f.Height, f.Stride, 0, 2);
        FrameUnpacker.Pack(frame, packed);
        Assert.All(packed, b => Assert.Equal(2, b));
        Assert.Equal(0, device.MappedBuffers);
        Assert.Equal(0, device.OpenDescriptors);
        Assert.False(device.IsStreaming);
        Assert.Equal(CaptureState.Stopped, sink.States[^1].State);
    }

    [Fact]
    public void FallsBackWhenTheDriverLacksRefusesOrSubstitutesAFormat()
    {
        var camera = new SimulatedCamera
        {
            Formats =
            [
                new("YUYV", "YUYV", false, new SimulatedSize(640, 480, (1, 30))),
                new("NV12", "NV12", false, new SimulatedSize(640, 480, (1, 30))),
                new("GREY", "GREY", false, new SimulatedSize(640, 480, (1, 30))),
                new("MJPG", "MJPEG", true, new SimulatedSize(640, 480, (1, 30))),
            ],
            RefusedFormats = ["NV12"], // listed, but S_FMT answers EINVAL
            SubstitutedFormats = ["GREY"], // listed, but S_FMT hands back YUYV
        };
        using var device = new SimulatedV4l2Device(camera, TimeProvider.System);

        // YU12 is not offered at all, NV12 refused, GREY substituted: MJPEG is the first that sticks.
        var sink = RunUntil(device, Options("YU12,NV12,GREY,MJPEG,YUYV"), s => s.Frames.Count >= 1);
        Assert.Equal(CaptureFormat.Mjpeg, sink.Frames[0].Format);
        Assert.Equal(0, sink.Frames[0].Stride);
    }

    [Fact]
    public async Task TakesTheSizeTheDriverChoseAndTheIntervalItApplied()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var options = Options("YUYV", 300, 200);
        options.FrameRate = 14;
        var source = new V4l2CaptureSource(options, device, TimeProvider.System, NullLogger.Instance);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        sink.OnEachFrame = _ => cts.Cancel();
        await source.RunAsync(sink, cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal((320, 240), (sink.Frames[0].Width, sink.Frames[0].Height));
        Assert.Equal(30, source.Format!.FramesPerSecond); // 320x240 only has 1/30
        Assert.Equal((1u, 30u), device.CurrentInterval);
    }

    [Fact]
    public void NoAcceptableFormatIsOneLineNamingTheKeyTheDeviceAndWhatItOffers()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var e = Assert.Throws<AggregateException>(() => RunUntil(device, Options("NV12,GREY"), _ => false)).InnerException!;
        Assert.IsType<CameraException>(e);
        Assert.Equal("Source:Formats: /dev/video0 offers none of NV12,GREY (it offers YUYV, MJPG)", e.Message);
        Assert.Equal(0, device.OpenDescriptors);
    }

    [Fact]
    public void TheStartUpCheckConfiguresAndClosesOrNamesWhatIsWrong()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var options = Options("MJPEG", 1280, 720);
        options.Controls.Gain = "12";
        var format = new V4l2CaptureSource(options, device, TimeProvider.System, NullLogger.Instance).Check();
        Assert.Equal(("MJPG", 1280, 720), (format.FourCc, format.Width, format.Height));
        Assert.Equal(12, device.ControlValue(Uapi.CidGain));
        Assert.Equal((0, 0, false), (device.OpenDescriptors, device.MappedBuffers, device.IsStreaming));

        options.Controls.Gain = "999";
        var e = Assert.Throws<CameraException>(() => new V4l2CaptureSource(options, device, TimeProvider.System, NullLogger.Instance).Check());
        Assert.Equal("Source:Controls:Gain: 999 is outside the range of gain on /dev/video0: 0..255", e.Message);
        Assert.Equal(0, device.OpenDescriptors);
    }

    [Fact]
    public void AnAbsentDeviceAtStartIsOneLineNamingIt()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System, "/dev/video7");
        var e = Assert.Throws<AggregateException>(() => RunUntil(device, Options(), _ => false)).InnerException!;
        Assert.StartsWith("Source:Device: /dev/video0: no such device", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task InterruptedAndSpuriousWakeupsAreRetriedWithoutLosingFrames()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        device.Script(SimulatedEvent.PollInterrupted, SimulatedEvent.SpuriousWakeup, SimulatedEvent.DequeueInterrupted, SimulatedEvent.PollInterrupted);
        var options = Options("YUYV");
        var source = new V4l2CaptureSource(options, device, TimeProvider.System, NullLogger.Instance);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        sink.OnEachFrame = _ =>
        {
            if (sink.Frames.Count >= 4)
            {
                cts.Cancel();
            }
        };
        await source.RunAsync(sink, cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        // EINTR on poll twice and EAGAIN once are counted; EINTR on DQBUF is retried inside the facade.
        Assert.Equal(3, source.Counters.Retries);
        Assert.Equal([0L, 1L, 2L, 3L], sink.Frames.Take(4).Select(f => f.Sequence));
        Assert.Equal(0, source.Counters.ErrorFrames);
    }

    [Fact]
    public async Task ErrorFlaggedBuffersAreSkippedAndCounted()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        device.Script(SimulatedEvent.ErrorFrame, SimulatedEvent.ErrorFrame);
        var source = new V4l2CaptureSource(Options("YUYV"), device, TimeProvider.System, NullLogger.Instance);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        sink.OnEachFrame = _ =>
        {
            if (sink.Frames.Count >= 2)
            {
                cts.Cancel();
            }
        };
        await source.RunAsync(sink, cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(2, source.Counters.ErrorFrames);
        Assert.Equal([2L, 3L], sink.Frames.Select(f => f.Sequence).Take(2)); // 0 and 1 were the broken ones
        Assert.All(sink.Frames, f => Assert.Equal((byte)f.Sequence, f.Data[0]));
    }

    [Fact]
    public async Task CompressedFramesAreExactlyBytesUsedLongAndShortRawFramesAreDropped()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var sizes = new[] { 5000, 1234, 77777 };
        device.FrameWriter = (buffer, fourCc, w, h, stride, seq) =>
        {
            var n = sizes[seq % 3];
            buffer[..n].Fill((byte)(seq + 1));
            return n;
        };
        var sink = RunUntil(device, Options("MJPEG"), s => s.Frames.Count >= 3);
        Assert.Equal(sizes, sink.Frames.Take(3).Select(f => f.Data.Length));
        Assert.All(sink.Frames, f => Assert.All(f.Data, b => Assert.Equal((byte)(f.Sequence + 1), b)));

        // A raw frame whose bytesused does not cover the image is never delivered.
        using var raw = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        raw.FrameWriter = (buffer, fourCc, w, h, stride, seq) =>
        {
            buffer.Fill((byte)seq);
            return seq == 1 ? stride * (h - 10) : buffer.Length;
        };
        var source = new V4l2CaptureSource(Options("YUYV"), raw, TimeProvider.System, NullLogger.Instance);
        var rawSink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        rawSink.OnEachFrame = _ =>
        {
            if (rawSink.Frames.Count >= 2)
            {
                cts.Cancel();
            }
        };
        await source.RunAsync(rawSink, cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal([0L, 2L], rawSink.Frames.Take(2).Select(f => f.Sequence));
        Assert.Equal(1, source.Counters.EmptyFrames);
    }

    [Fact]
    public void BufferTimestampsAreTheMonotonicCaptureTimes()
    {
        var time = new FakeTimeProvider();
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), time);
        device.OnFrameProduced = () => time.Advance(TimeSpan.FromMilliseconds(33.3));
        var start = MonotonicClock.Nanoseconds(time);
        var sink = RunUntil(device, Options("YUYV"), s => s.Frames.Count >= 3, time);

        // The buffer's timeval carries microseconds: the fake clock at each capture, truncated to the microsecond.
        long Expected(int k) => (start + (k * 33_300_000L)) / 1000 * 1000;
        Assert.Equal([Expected(1), Expected(2), Expected(3)], sink.Frames.Take(3).Select(f => f.TimestampNs));
    }

    [Fact]
    public async Task UnplugPutsTheSourceInDegradedAndReplugBringsItBack()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var replugged = false;
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        sink.OnEachFrame = f =>
        {
            if (sink.Frames.Count == 2)
            {
                device.Unplug();
            }

            if (replugged && sink.Frames.Count >= 4)
            {
                cts.Cancel();
            }
        };
        sink.OnEachState = (state, reason) =>
        {
            if (state == CaptureState.Degraded && !replugged)
            {
                // Gone for a while (the retries fail with ENOENT and back off), then back.
                replugged = true;
                _ = Task.Run(async () =>
                {
                    await Task.Delay(80);
                    device.Replug();
                });
            }
        };
        var source = new V4l2CaptureSource(Options("YUYV"), device, TimeProvider.System, NullLogger.Instance);
        await source.RunAsync(sink, cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var states = sink.States.Select(s => s.State).ToList();
        Assert.Equal([CaptureState.Starting, CaptureState.Streaming, CaptureState.Degraded], states.Take(3));
        Assert.Contains("lost (ENODEV)", sink.States[2].Reason, StringComparison.Ordinal);
        Assert.Equal(CaptureState.Streaming, states.SkipWhile(s => s != CaptureState.Degraded).SkipWhile(s => s == CaptureState.Degraded).First());
        Assert.True(device.Opens >= 2);
        Assert.Equal(2, device.StreamOns);
        Assert.True(source.Counters.Reconnects >= 1);
        Assert.Equal(0, device.MappedBuffers);
        Assert.Equal(0, device.OpenDescriptors);
    }

    [Fact]
    public async Task AStalledDeviceIsReopened()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        sink.OnEachFrame = _ =>
        {
            if (sink.Frames.Count == 1)
            {
                device.Script(SimulatedEvent.Stall);
            }

            if (sink.Frames.Count >= 2)
            {
                cts.Cancel();
            }
        };
        var source = new V4l2CaptureSource(Options("YUYV"), device, TimeProvider.System, NullLogger.Instance);
        await source.RunAsync(sink, cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(1, source.Counters.Stalls);
        Assert.Contains(sink.States, s => s.State == CaptureState.Degraded && s.Reason!.Contains("stalled: no frame for 1000 ms", StringComparison.Ordinal));
        Assert.Equal(2, device.StreamOns);
    }

    [Fact]
    public async Task CancellingWakesABlockedPollAtOnce()
    {
        using var device = new SimulatedV4l2Device(new SimulatedCamera(), TimeProvider.System);
        var options = Options("YUYV");
        options.StallIntervals = 3000; // 100 s: only the wake can end the poll in time
        var source = new V4l2CaptureSource(options, device, TimeProvider.System, NullLogger.Instance);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        var blocked = new ManualResetEventSlim();
        sink.OnEachFrame = _ =>
        {
            device.Script(SimulatedEvent.Block);
            blocked.Set();
        };
        var run = source.RunAsync(sink, cts.Token);
        Assert.True(blocked.Wait(Timeout, TestContext.Current.CancellationToken));
        await Task.Delay(50, TestContext.Current.CancellationToken); // let it enter the poll
        var t0 = System.Diagnostics.Stopwatch.StartNew();
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(t0.ElapsedMilliseconds < 2000, $"stop took {t0.ElapsedMilliseconds} ms");
        Assert.Equal(0, device.MappedBuffers);
        Assert.Equal(0, device.OpenDescriptors);
        Assert.Equal(CaptureState.Stopped, sink.States[^1].State);
    }

    [Fact]
    public void MultiplanarDevicesStreamThroughThePlaneArray()
    {
        var camera = new SimulatedCamera
        {
            Driver = "bcm2835-isp",
            Multiplanar = true,
            StrideAlign = 64,
            Formats = [new("NV12", "Y/UV 4:2:0", false, new SimulatedSize(100, 60, (1, 30)))],
        };
        using var device = new SimulatedV4l2Device(camera, TimeProvider.System);
        var sink = RunUntil(device, Options("NV12", 100, 60), s => s.Frames.Count >= 2);

        var f = sink.Frames[1];
        Assert.Equal((CaptureFormat.Nv12, 100, 60, 128), (f.Format, f.Width, f.Height, f.Stride));
        Assert.Equal((128 * 60) + (128 * 30), f.Data.Length);
        var packed = new byte[FrameGeometry.BytesPerFrame(PixelFormat.NV12, 100, 60)];
        FrameUnpacker.Pack(new CapturedFrame(f.Data, f.Format, f.Width, f.Height, f.Stride, 0, 1), packed);
        Assert.All(packed, b => Assert.Equal(1, b));
    }
}
