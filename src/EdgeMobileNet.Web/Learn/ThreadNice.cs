using System.Runtime.InteropServices;

namespace EdgeMobileNet.Web.Learn;

/// <summary>Lowers the calling thread's scheduling priority. On Linux the nice value belongs to the thread
/// (`setpriority(PRIO_PROCESS, tid, n)`), so the training thread yields the CPU to the classification loop while the
/// rest of the process keeps its priority; raising the value needs no privilege. Elsewhere, .NET's thread priority.</summary>
internal static class ThreadNice
{
    private const int PrioProcess = 0;

    /// <summary>Sets the current thread's nice value to <paramref name="nice"/>; true when it took effect.</summary>
    public static bool Lower(int nice)
    {
        Thread.CurrentThread.Priority = ThreadPriority.Lowest;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        // /proc/thread-self links to /proc/<pid>/task/<tid>: the kernel thread id without an architecture-specific syscall number.
        var target = new DirectoryInfo("/proc/thread-self").ResolveLinkTarget(returnFinalTarget: false)?.FullName;
        if (target is null || !int.TryParse(Path.GetFileName(target), out var tid))
        {
            return false;
        }

        return SetPriority(PrioProcess, tid, nice) == 0;
    }

    /// <summary>The current thread's nice value (Linux), for tests and the log.</summary>
    public static int Current() => GetPriority(PrioProcess, 0);

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static extern int GetPriority(int which, int who);
}
