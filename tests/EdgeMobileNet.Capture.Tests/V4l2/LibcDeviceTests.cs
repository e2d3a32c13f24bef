using EdgeMobileNet.Capture.V4l2;
using Xunit;

namespace EdgeMobileNet.Capture.Tests.V4l2;

/// <summary>The real libc seam where no camera is needed: open errors, ioctl on a non-V4L2 node, eventfd and poll.</summary>
public sealed class LibcDeviceTests
{
    [Fact]
    public void OpenReportsErrnoAndIoctlOnANonCameraAnswersEnotty()
    {
        var libc = LibcV4l2Device.Instance;
        Assert.Equal(-Errno.ENOENT, libc.Open("/dev/video-does-not-exist"));
        var e = Assert.Throws<CameraLostException>(() => V4l2Camera.Open(libc, "/dev/video-does-not-exist"));
        Assert.StartsWith("Source:Device: /dev/video-does-not-exist: no such device", e.Message, StringComparison.Ordinal);

        var fd = libc.Open("/dev/null");
        Assert.True(fd >= 0);
        try
        {
            unsafe
            {
                V4l2Capability cap;
                Assert.Equal(Errno.ENOTTY, libc.Ioctl(fd, Uapi.VidiocQueryCap, &cap));
            }
        }
        finally
        {
            libc.Close(fd);
        }
    }

    [Fact]
    public void AWakeEndsAPollAndAnUnsignalledPollTimesOut()
    {
        var libc = LibcV4l2Device.Instance;
        var wake = libc.CreateWakeHandle();
        Assert.True(wake >= 0);
        try
        {
            // fd -1 is ignored by poll(2): only the wake handle is watched.
            Assert.Equal(0, libc.Poll(-1, wake, 20, out var outcome));
            Assert.Equal(PollOutcome.Timeout, outcome);

            var waker = Task.Run(async () =>
            {
                await Task.Delay(100);
                libc.Wake(wake);
            }, TestContext.Current.CancellationToken);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, libc.Poll(-1, wake, 10_000, out outcome));
            Assert.Equal(PollOutcome.Woken, outcome);
            Assert.InRange(sw.ElapsedMilliseconds, 50, 5000);
        }
        finally
        {
            libc.CloseWakeHandle(wake);
        }
    }
}
