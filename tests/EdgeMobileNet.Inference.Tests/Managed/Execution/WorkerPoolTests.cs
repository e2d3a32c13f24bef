using EdgeMobileNet.Inference.Engines.Managed.Execution;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Execution;

/// <summary>The worker pool: every part runs exactly once on its participant, failures reach the caller, nothing is
/// allocated per dispatch, and Dispose stops the threads.</summary>
[Trait("arm", "true")]
public sealed class WorkerPoolTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(3, 7)]
    [InlineData(4, 2)]
    public void EveryPartRunsOnceOnItsParticipant(int threads, int parts)
    {
        using var pool = new WorkerPool(threads);
        var work = new RecordingWork(parts);
        var caller = Environment.CurrentManagedThreadId;
        for (var round = 0; round < 200; round++)
        {
            work.Reset();
            pool.Run(work, parts);
            for (var p = 0; p < parts; p++)
            {
                Assert.Equal(1, work.Runs[p]);

                // Part p belongs to participant p % threads; participant 0 is the calling thread.
                Assert.Equal(p % threads == 0, work.ThreadIds[p] == caller);
            }
        }
    }

    [Fact]
    public void WorkersRunConcurrentlyWithTheCaller()
    {
        using var pool = new WorkerPool(2);
        var work = new RendezvousWork();

        // Part 0 waits for part 1 to have started: this only finishes if part 1 runs on another thread at the same time.
        pool.Run(work, 2);
        Assert.True(work.Met);
    }

    [Fact]
    public void AWorkerFailureReachesTheCallerNamingTheWorkAndThePoolStaysUsable()
    {
        using var pool = new WorkerPool(3);
        var failing = new FailingWork(failingPart: 2);
        var ex = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 3));
        Assert.Contains("'Conv_42+Relu_43'", ex.Message);
        Assert.Contains("part 2", ex.Message);
        Assert.Contains("kernel exploded", ex.Message);
        Assert.IsType<ArithmeticException>(ex.InnerException);
        Assert.NotEqual(Environment.CurrentManagedThreadId, failing.FailedOnThread);

        // Every other part still ran and the caller waited for them: the next dispatch starts clean.
        Assert.Equal(2, failing.Completed);
        var work = new RecordingWork(3);
        pool.Run(work, 3);
        Assert.All(work.Runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void ACallerPartFailureWaitsForTheWorkers()
    {
        using var pool = new WorkerPool(2);
        var failing = new FailingWork(failingPart: 0, otherPartsSleepMs: 50);
        var ex = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 2));
        Assert.Contains("part 0", ex.Message);
        Assert.Equal(1, failing.Completed);
    }

    [Theory]
    [InlineData(2, 0, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(3, 10, 1)]
    [InlineData(3, 1000, 1)]
    [InlineData(3, 1000, 400)]
    [InlineData(2, 1000, 600)]
    public void ForCoversTheRangeExactlyOnce(int threads, int count, int minPerRange)
    {
        using var pool = new WorkerPool(threads);
        var work = new RangeRecorder(count);
        pool.For(count, work, minPerRange);
        Assert.All(work.Hits, h => Assert.Equal(1, h));
        Assert.True(work.Ranges <= Math.Max(1, Math.Min(threads, count / minPerRange)), $"{work.Ranges} ranges");
    }

    [Fact]
    public void DispatchAllocatesNothingOnAnyThread()
    {
        using var pool = new WorkerPool(3);
        var work = new RecordingWork(3);
        var ranges = new RangeRecorder(3000);
        for (var i = 0; i < 10; i++)
        {
            pool.Run(work, 3);
            pool.For(3000, ranges);
        }

        var caller = GC.GetAllocatedBytesForCurrentThread();
        var workers = pool.WorkerAllocatedBytes;
        for (var i = 0; i < 1000; i++)
        {
            pool.Run(work, 3);
            pool.For(3000, ranges);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - caller);
        Assert.Equal(0, pool.WorkerAllocatedBytes - workers);
    }

    [Fact]
    public void DisposeStopsTheThreadsAndLaterRunsAreRefused()
    {
        var pool = new WorkerPool(3);
        pool.Run(new RecordingWork(3), 3);
        pool.Dispose();
        Assert.True(pool.AllThreadsStopped);
        pool.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => pool.Run(new RecordingWork(3), 3));
    }

    [Fact]
    public void DisposeStopsWorkersThatAreBlocked()
    {
        var pool = new WorkerPool(2);
        pool.Run(new RecordingWork(2), 2);
        Thread.Sleep(50); // past the spin: the worker is blocked on its monitor
        pool.Dispose();
        Assert.True(pool.AllThreadsStopped);
    }

    [Fact]
    public void ABlockedWorkerWakesForTheNextDispatch()
    {
        using var pool = new WorkerPool(2);
        var work = new RecordingWork(2);
        for (var i = 0; i < 5; i++)
        {
            Thread.Sleep(20);
            work.Reset();
            pool.Run(work, 2);
            Assert.Equal([1, 1], work.Runs);
        }
    }

    [Fact]
    public void ZeroThreadsIsRefused()
    {
        var ex = Assert.Throws<EdgeMobileNetException>(() => new WorkerPool(0));
        Assert.Contains("--threads", ex.Message);
    }

    private sealed class RecordingWork(int parts) : IParallelWork
    {
        public int[] Runs { get; } = new int[parts];

        public int[] ThreadIds { get; } = new int[parts];

        public string Name => "recording";

        public void Reset() => Array.Clear(Runs);

        public void RunPart(int part)
        {
            Interlocked.Increment(ref Runs[part]);
            ThreadIds[part] = Environment.CurrentManagedThreadId;
        }
    }

    private sealed class RendezvousWork : IParallelWork
    {
        private volatile bool _started;

        public bool Met { get; private set; }

        public string Name => "rendezvous";

        public void RunPart(int part)
        {
            if (part == 1)
            {
                _started = true;
                return;
            }

            Met = SpinWait.SpinUntil(() => _started, TimeSpan.FromSeconds(10));
        }
    }

    private sealed class FailingWork(int failingPart, int otherPartsSleepMs = 0) : IParallelWork
    {
        private int _completed;

        public int Completed => Volatile.Read(ref _completed);

        public int FailedOnThread { get; private set; }

        public string Name => "Conv_42+Relu_43";

        public void RunPart(int part)
        {
            if (part == failingPart)
            {
                FailedOnThread = Environment.CurrentManagedThreadId;
                throw new ArithmeticException("kernel exploded");
            }

            Thread.Sleep(otherPartsSleepMs);
            Interlocked.Increment(ref _completed);
        }
    }

    private sealed class RangeRecorder(int count) : IRangeWork
    {
        private int _ranges;

        public int[] Hits { get; } = new int[count];

        public int Ranges => _ranges;

        public string Name => "ranges";

        public void RunRange(int start, int end)
        {
            Interlocked.Increment(ref _ranges);
            for (var i = start; i < end; i++)
            {
                Interlocked.Increment(ref Hits[i]);
            }
        }
    }
}
