using System.Diagnostics;

namespace EdgeMobileNet.Inference.Tests.Managed.Execution;

/// <summary>
/// Warm-up before measuring allocations with worker threads: the runtime's tiered compilation allocates a few hundred
/// bytes, once, on a thread that runs code as it is promoted to optimised code, which can happen on a worker many runs
/// after the first. Running until neither the caller's nor the workers' counters have moved for a while (bounded)
/// puts that behind the measurement, which then asserts that steady state allocates nothing at all.
/// </summary>
internal static class WarmUp
{
    public static void UntilAllocationsSettle(Action run, Func<long> workerBytes, int quietMs = 300, int maxMs = 15_000)
    {
        var total = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        var (caller, workers) = (GC.GetAllocatedBytesForCurrentThread(), workerBytes());
        while (quiet.ElapsedMilliseconds < quietMs && total.ElapsedMilliseconds < maxMs)
        {
            run();
            var now = (GC.GetAllocatedBytesForCurrentThread(), workerBytes());
            if (now != (caller, workers))
            {
                (caller, workers) = now;
                quiet.Restart();
            }
        }
    }
}
