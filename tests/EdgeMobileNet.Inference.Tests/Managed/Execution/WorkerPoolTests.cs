using EdgeMobileNet.Inference.Engines.Managed.Execution;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Execution;

/// <summary>The worker pool: every part runs exactly once, the threads run parts concurrently, failures reach the
/// caller, nothing is allocated per dispatch, and Dispose stops the threads.</summary>
[Trait("arm", "true")]
public sealed class WorkerPoolTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(3, 7)]
    [InlineData(4, 2)]
    public void EveryPartRunsOnce(int threads, int parts)
    {
        using var pool = new WorkerPool(threads);
        var work = new RecordingWork(parts);
        for (var round = 0; round < 500; round++)
        {
            work.Reset();
            pool.Run(work, parts);
            Assert.All(work.Runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void WorkersRunConcurrentlyWithTheCaller()
    {
        using var pool = new WorkerPool(2);
        var work = new RendezvousWork();

        // Each part waits for the other to have started: this only finishes if both run at the same time.
        pool.Run(work, 2);
        Assert.True(work.Met);
        Assert.NotEqual(work.ThreadIds[0], work.ThreadIds[1]);
    }

    [Fact]
    public void AWorkerFailureReachesTheCallerNamingTheWorkAndThePoolStaysUsable()
    {
        using var pool = new WorkerPool(2);
        var failing = new WorkerFailingWork(Environment.CurrentManagedThreadId);
        var ex = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 2));
        Assert.True(failing.Met);
        Assert.Equal($"operator 'Conv_42+Relu_43' failed in part {failing.FailedPart}: kernel exploded", ex.Message);
        Assert.IsType<ArithmeticException>(ex.InnerException);

        // The pool stays usable: the next dispatch starts clean.
        pool.Run(new RecordingWork(2), 2);
        var work = new RecordingWork(3);
        pool.Run(work, 3);
        Assert.All(work.Runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void AFailureIsReportedOnlyAfterTheOtherPartsFinish()
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
        WarmUp.UntilAllocationsSettle(
            () =>
            {
                pool.Run(work, 3);
                pool.For(3000, ranges);
            },
            () => pool.WorkerAllocatedBytes);

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

    private class RendezvousWork : IParallelWork
    {
        private int _started;

        public bool Met { get; private set; } = true;

        public int[] ThreadIds { get; } = new int[2];

        public virtual string Name => "rendezvous";

        public virtual void RunPart(int part)
        {
            ThreadIds[part] = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref _started);
            if (!SpinWait.SpinUntil(() => Volatile.Read(ref _started) == 2, TimeSpan.FromSeconds(10)))
            {
                Met = false;
            }
        }
    }

    /// <summary>Two parts that meet (so each runs on its own thread); the one on the background thread throws.</summary>
    private sealed class WorkerFailingWork(int caller) : RendezvousWork
    {
        public int FailedPart { get; private set; } = -1;

        public override string Name => "Conv_42+Relu_43";

        public override void RunPart(int part)
        {
            base.RunPart(part);
            if (Environment.CurrentManagedThreadId != caller)
            {
                FailedPart = part;
                throw new ArithmeticException("kernel exploded");
            }
        }
    }

    private sealed class FailingWork(int failingPart, int otherPartsSleepMs = 0) : IParallelWork
    {
        private int _completed;

        public int Completed => Volatile.Read(ref _completed);

        public string Name => "Conv_42+Relu_43";

        public void RunPart(int part)
        {
            if (part == failingPart)
            {
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
