using System.Runtime.InteropServices;

namespace EdgeMobileNet.Capture.V4l2;

/// <summary>The real <see cref="IV4l2Device"/>: libc's open, ioctl, mmap, poll and eventfd through
/// <c>LibraryImport</c> (source-generated, trim-safe).</summary>
internal sealed partial class LibcV4l2Device : IV4l2Device
{
    private const string Libc = "libc";

    public static LibcV4l2Device Instance { get; } = new();

    public int Open(string path)
    {
        var fd = SysOpen(path, LinuxFlags.ORdWr | LinuxFlags.ONonBlock | LinuxFlags.OCloExec);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    public void Close(int fd) => _ = SysClose(fd);

    public unsafe int Ioctl(int fd, uint request, void* arg) =>
        SysIoctl(fd, request, arg) == -1 ? Marshal.GetLastPInvokeError() : 0;

    public unsafe int Map(int fd, uint length, uint offset, out byte* address)
    {
        var p = SysMmap(null, length, LinuxFlags.ProtRead | LinuxFlags.ProtWrite, LinuxFlags.MapShared, fd, (nint)offset);
        if (p == (void*)-1)
        {
            address = null;
            return Marshal.GetLastPInvokeError();
        }

        address = (byte*)p;
        return 0;
    }

    public unsafe void Unmap(byte* address, uint length) => _ = SysMunmap(address, length);

    public int CreateWakeHandle()
    {
        var fd = SysEventFd(0, LinuxFlags.EfdCloExec | LinuxFlags.EfdNonBlock);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    public unsafe void Wake(int wakeHandle)
    {
        ulong one = 1;
        _ = SysWrite(wakeHandle, &one, sizeof(ulong));
    }

    public void CloseWakeHandle(int wakeHandle) => _ = SysClose(wakeHandle);

    public unsafe int Poll(int fd, int wakeHandle, int timeoutMs, out PollOutcome outcome)
    {
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = fd, Events = LinuxFlags.PollIn };
        fds[1] = new PollFd { Fd = wakeHandle, Events = LinuxFlags.PollIn };
        var n = SysPoll(fds, 2, timeoutMs);
        if (n < 0)
        {
            outcome = PollOutcome.Timeout;
            return Marshal.GetLastPInvokeError();
        }

        outcome = n == 0 ? PollOutcome.Timeout
            : (fds[1].Revents & LinuxFlags.PollIn) != 0 ? PollOutcome.Woken
            : (fds[0].Revents & LinuxFlags.PollIn) != 0 ? PollOutcome.Readable
            : (fds[0].Revents & (LinuxFlags.PollErr | LinuxFlags.PollHup | LinuxFlags.PollNval)) != 0 ? PollOutcome.Error
            : PollOutcome.Timeout;
        return 0;
    }

    public IReadOnlyList<string> ListDevices()
    {
        try
        {
            return Directory.GetFiles("/dev", "video*")
                .Where(p => int.TryParse(Path.GetFileName(p).AsSpan(5), out _))
                .OrderBy(p => int.Parse(Path.GetFileName(p).AsSpan(5), System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SysOpen(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int SysClose(int fd);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int SysIoctl(int fd, nuint request, void* arg);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static unsafe partial void* SysMmap(void* address, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    private static unsafe partial int SysMunmap(void* address, nuint length);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int SysPoll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    private static partial int SysEventFd(uint initial, int flags);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint SysWrite(int fd, void* buffer, nuint count);
}
