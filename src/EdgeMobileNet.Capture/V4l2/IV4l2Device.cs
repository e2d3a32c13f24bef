namespace EdgeMobileNet.Capture.V4l2;

/// <summary>What one <see cref="IV4l2Device.Poll"/> saw.</summary>
internal enum PollOutcome
{
    /// <summary>Nothing within the timeout.</summary>
    Timeout,

    /// <summary>A buffer can be dequeued.</summary>
    Readable,

    /// <summary>The wake handle was signalled (stop requested).</summary>
    Woken,

    /// <summary>POLLERR/POLLHUP on the device: streaming stopped or the device is gone.</summary>
    Error,
}

/// <summary>
/// The syscall seam of the V4L2 capture code: exactly the system calls it makes, with the kernel's argument
/// structures. <see cref="LibcV4l2Device"/> forwards them to libc; <see cref="SimulatedV4l2Device"/> implements a
/// camera in memory (formats, controls, buffers, unplugging) so the capture state machine runs unchanged in tests
/// and on machines without cameras. Calls return 0 or a positive errno; nothing here throws for a device error.
/// </summary>
internal interface IV4l2Device
{
    /// <summary>open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC). Returns a descriptor, or -errno.</summary>
    int Open(string path);

    void Close(int fd);

    /// <summary>ioctl(fd, request, arg): 0 or errno.</summary>
    unsafe int Ioctl(int fd, uint request, void* arg);

    /// <summary>mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED, fd, offset): 0 or errno.</summary>
    unsafe int Map(int fd, uint length, uint offset, out byte* address);

    unsafe void Unmap(byte* address, uint length);

    /// <summary>A handle that makes <see cref="Poll"/> return <see cref="PollOutcome.Woken"/> (an eventfd): ≥ 0, or -errno.</summary>
    int CreateWakeHandle();

    void Wake(int wakeHandle);

    void CloseWakeHandle(int wakeHandle);

    /// <summary>poll() on the device and the wake handle. Returns 0 or errno (EINTR included).</summary>
    int Poll(int fd, int wakeHandle, int timeoutMs, out PollOutcome outcome);

    /// <summary>Device nodes present now (for probe), e.g. /dev/video0.</summary>
    IReadOnlyList<string> ListDevices();
}
