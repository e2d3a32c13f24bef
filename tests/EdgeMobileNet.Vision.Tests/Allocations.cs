namespace EdgeMobileNet.Vision.Tests;

/// <summary>
/// Checks that a call allocates nothing on the managed heap in steady state.
/// <para>
/// A single before/after measurement is flaky: when the JIT promotes a hot method to its optimised tier (timing
/// depends on machine load), the calling thread can be charged a few hundred bytes once. Such events are rare and
/// one-off, whereas a genuine per-call allocation shows up in every run, so the check is "most runs allocate exactly
/// zero bytes".
/// </para>
/// </summary>
internal static class Allocations
{
    public static (int ZeroRuns, long MaxBytes) Measure(Action action, int runs = 40)
    {
        action(); // first call may build caches and scratch buffers
        var zero = 0;
        long max = 0;
        for (var i = 0; i < runs; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            zero += bytes == 0 ? 1 : 0;
            max = Math.Max(max, bytes);
        }

        return (zero, max);
    }

    public static void AssertSteadyStateIsAllocationFree(Action action, int runs = 40)
    {
        var (zero, max) = Measure(action, runs);
        Xunit.Assert.True(zero >= runs / 2, $"only {zero} of {runs} calls allocated nothing (worst call: {max} bytes)");
    }
}
