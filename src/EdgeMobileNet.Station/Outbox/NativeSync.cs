using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeMobileNet.Station.Outbox;

/// <summary>fdatasync for segment files and fsync for their folder (so a new segment's directory entry survives a
/// power cut). .NET has no API for syncing a directory; these are the Linux calls.</summary>
internal static class NativeSync
{
    // O_RDONLY | O_CLOEXEC: the same values on x64 and arm64 (O_DIRECTORY is not, and a directory opens without it).
    private const int ReadOnlyDirectory = 0x80000;

    public static void DataSync(SafeFileHandle file)
    {
        if (FDataSync(file) != 0)
        {
            throw new IOException($"fdatasync failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public static void SyncDirectory(string path)
    {
        var fd = Open(path, ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"{path}: open failed (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"{path}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int FDataSync(SafeFileHandle fd);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
