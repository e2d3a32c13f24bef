using System.Diagnostics;

namespace EdgeMobileNet.Inference.Engines.Managed.Execution;

/// <summary>
/// The intra-op threads of one loaded model: <c>Threads - 1</c> long-lived background threads plus the calling thread.
/// <see cref="Run"/> publishes one piece of work as a new generation of a single claim word (generation, part count,
/// next part); every participant, the caller included, claims parts from it until none is left, and the caller returns
/// when all parts are done. Claiming rather than fixed shares keeps a descheduled worker from stalling the caller on a
/// busy device: whoever runs takes the next part. Nothing is allocated per dispatch: the work is the operator itself
/// and the hand-off is a compare-and-swap. Waiting spins briefly (operators follow each other within microseconds),
/// then blocks, so idle workers cost no CPU. One caller at a time, like the classifier that owns the pool.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>Most parts one dispatch can have (the claim word keeps the count and the next part in 16 bits each).</summary>
    public const int MaxParts = 0xFFFF;

    /// <summary>How long a waiting thread spins before it blocks: longer than the gap between two parallel operators
    /// (a sequential elementwise step), far shorter than the gap between two frames.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000; // 100 microseconds

    /// <summary>Pause-loop iterations between two looks at the clock while spinning (well under a microsecond).</summary>
    private const int SpinIterations = 20;

    /// <summary>Whether this thread has waited on a monitor once: the runtime allocates a thread's wait state lazily, at
    /// its first wait, which must not land in a measured (or any later) inference.</summary>
    [ThreadStatic]
    private static bool t_waitReady;

    private readonly Thread[] _threads;
    private readonly Exception?[] _errors;
    private readonly long[] _workerAllocated;
    private readonly object _wakeGate = new();
    private readonly object _doneGate = new();
    private readonly RangeSplit _ranges = new();

    private IParallelWork? _work;
    private int _generation;
    private long _claim;
    private int _completed;
    private int _sleepingWorkers;
    private int _callerBlocked;
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        if (threads < 1)
        {
            throw new EdgeMobileNetException($"--threads must be at least 1, got {threads}");
        }

        Threads = threads;
        _errors = new Exception?[threads];
        _workerAllocated = new long[threads];
        _threads = new Thread[threads - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            var participant = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(participant))
            {
                IsBackground = true,
                Name = $"EdgeMobileNet worker {participant}",
            };
            _threads[i].Start();
        }
    }

    /// <summary>Participants: the calling thread and the background threads.</summary>
    public int Threads { get; }

    /// <summary>True once <see cref="Dispose"/> has stopped the background threads.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>
    /// Runs parts 0 .. <paramref name="parts"/> - 1 of <paramref name="work"/> across the pool and returns when all are
    /// done. A part that throws fails the whole call (after every other part has finished, so no thread still writes
    /// the arena) with an <see cref="InvalidOperationException"/> naming the work and the part.
    /// </summary>
    public void Run(IParallelWork work, int parts)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parts, MaxParts);
        if (parts <= 1 || Threads == 1)
        {
            RunSequentially(work, parts);
            return;
        }

        if (!t_waitReady)
        {
            PrepareToWait();
        }

        _work = work;
        Volatile.Write(ref _completed, 0);
        var generation = ++_generation;

        // Full fence: the work and the reset count are visible before any worker can claim a part.
        Interlocked.Exchange(ref _claim, Claim(generation, parts, 0));
        if (Volatile.Read(ref _sleepingWorkers) > 0)
        {
            lock (_wakeGate)
            {
                Monitor.PulseAll(_wakeGate);
            }
        }

        RunClaims(0, generation);
        WaitForCompletion(parts);
        _work = null;
        ThrowIfFailed();
    }

    /// <summary>
    /// Splits [0, <paramref name="count"/>) into one contiguous range per thread (fewer when a range would hold under
    /// <paramref name="minPerRange"/> elements) and runs them across the pool; a helper for elementwise operators.
    /// </summary>
    public void For(int count, IRangeWork work, int minPerRange = 1)
    {
        var parts = Math.Clamp(count / Math.Max(1, minPerRange), 1, Threads);
        if (parts == 1)
        {
            if (count > 0)
            {
                work.RunRange(0, count);
            }

            return;
        }

        _ranges.Set(work, count, parts);
        try
        {
            Run(_ranges, parts);
        }
        finally
        {
            _ranges.Set(null, 0, 0);
        }
    }

    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        IsDisposed = true;
        _stopping = true;
        Interlocked.Exchange(ref _claim, Claim(++_generation, 0, 0));
        lock (_wakeGate)
        {
            Monitor.PulseAll(_wakeGate);
        }

        foreach (var t in _threads)
        {
            t.Join();
        }
    }

    /// <summary>
    /// Managed bytes the background threads had allocated when they last finished a dispatch (their own counters:
    /// the process-wide figure would include unrelated threads). Stays constant while dispatches allocate nothing.
    /// </summary>
    internal long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _workerAllocated.Length; i++)
            {
                sum += Volatile.Read(ref _workerAllocated[i]);
            }

            return sum;
        }
    }

    /// <summary>Whether every background thread has exited (after <see cref="Dispose"/>).</summary>
    internal bool AllThreadsStopped => Array.TrueForAll(_threads, t => !t.IsAlive);

    private void RunSequentially(IParallelWork work, int parts)
    {
        for (var p = 0; p < Math.Max(1, parts); p++)
        {
            try
            {
                work.RunPart(p);
            }
            catch (Exception ex)
            {
                throw Failure(work, p, ex);
            }
        }
    }

    private static long Claim(int generation, int parts, int next) => ((long)generation << 32) | ((long)parts << 16) | (uint)next;

    /// <summary>Claims and runs parts of <paramref name="generation"/> until none is left (or a newer one started).</summary>
    private void RunClaims(int participant, int generation)
    {
        while (true)
        {
            var claim = Volatile.Read(ref _claim);
            var parts = (int)((claim >> 16) & 0xFFFF);
            var next = (int)(claim & 0xFFFF);
            if ((int)(claim >> 32) != generation || next >= parts)
            {
                return;
            }

            // Read before the swap: a successful swap proves this generation still had unclaimed parts, so the caller
            // had not yet moved on and replaced the work.
            var work = _work!;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim)
            {
                continue;
            }

            try
            {
                work.RunPart(next);
            }
            catch (Exception ex)
            {
                // Recorded, not thrown: the other parts still run and the caller reports it once all are done.
                _errors[participant] ??= Failure(work, next, ex);
            }

            // Full fence: this part's writes (arena, error slot) are visible before the caller sees the count.
            if (Interlocked.Increment(ref _completed) == parts && participant != 0 && Volatile.Read(ref _callerBlocked) != 0)
            {
                lock (_doneGate)
                {
                    Monitor.Pulse(_doneGate);
                }
            }
        }
    }

    private void PrepareToWait()
    {
        lock (_doneGate)
        {
            Monitor.Wait(_doneGate, 0);
        }

        t_waitReady = true;
    }

    private void WorkerLoop(int participant)
    {
        PrepareToWait();
        var seen = 0;
        while (true)
        {
            seen = WaitForGeneration(seen);
            if (_stopping)
            {
                return;
            }

            RunClaims(participant, seen);
            Volatile.Write(ref _workerAllocated[participant], GC.GetAllocatedBytesForCurrentThread());
        }
    }

    private int CurrentGeneration => (int)(Volatile.Read(ref _claim) >> 32);

    private int WaitForGeneration(int seen)
    {
        var start = Stopwatch.GetTimestamp();
        while (CurrentGeneration == seen)
        {
            if (Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                // Pause instructions only: yielding the core here would, on a busy device, queue this worker behind
                // other processes for a whole time slice, which is exactly when the next part arrives.
                Thread.SpinWait(SpinIterations);
                continue;
            }

            lock (_wakeGate)
            {
                // Announce first (full fence), then re-check: the caller publishes the claim word, then reads this count.
                Interlocked.Increment(ref _sleepingWorkers);
                while (CurrentGeneration == seen)
                {
                    Monitor.Wait(_wakeGate);
                }

                Interlocked.Decrement(ref _sleepingWorkers);
            }
        }

        return CurrentGeneration;
    }

    private void WaitForCompletion(int parts)
    {
        var start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _completed) != parts)
        {
            var waited = Stopwatch.GetTimestamp() - start;
            if (waited < SpinTicks / 5)
            {
                Thread.SpinWait(SpinIterations);
                continue;
            }

            if (waited < SpinTicks)
            {
                // The last part is taking a while: its thread may share this core (a busy device), so let it run.
                Thread.Yield();
                continue;
            }

            lock (_doneGate)
            {
                Interlocked.Exchange(ref _callerBlocked, 1);
                while (Volatile.Read(ref _completed) != parts)
                {
                    Monitor.Wait(_doneGate);
                }

                Interlocked.Exchange(ref _callerBlocked, 0);
            }
        }
    }

    private void ThrowIfFailed()
    {
        Exception? first = null;
        for (var i = 0; i < _errors.Length; i++)
        {
            first ??= _errors[i];
            _errors[i] = null;
        }

        if (first is not null)
        {
            throw first;
        }
    }

    private static InvalidOperationException Failure(IParallelWork work, int part, Exception ex) =>
        new($"operator '{work.Name}' failed in part {part}: {ex.Message}", ex);

    /// <summary>Adapts element ranges to parts; one instance per pool, reused by every <see cref="For"/>.</summary>
    private sealed class RangeSplit : IParallelWork
    {
        private IRangeWork? _work;
        private int _count;
        private int _parts;

        public string Name => _work?.Name ?? "range";

        public void Set(IRangeWork? work, int count, int parts) => (_work, _count, _parts) = (work, count, parts);

        public void RunPart(int part) =>
            _work!.RunRange((int)((long)_count * part / _parts), (int)((long)_count * (part + 1) / _parts));
    }
}
