using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Operators;

namespace EdgeMobileNet.Inference.Engines.Managed.Planning;

/// <summary>
/// A loaded model ready to run: operators in order, the arena they share, the caller-visible buffers and the worker
/// pool its parallel operators dispatch to (owned: disposing the plan stops the threads).
/// </summary>
internal sealed class ExecutionPlan : IDisposable
{
    private readonly Operator[] _operators;

    public ExecutionPlan(IReadOnlyList<Operator> operators, Arena arena, float[] input, float[] output, string kernels, WorkerPool? pool = null)
    {
        Pool = pool;
        _operators = operators.ToArray();
        Operators = _operators;
        Arena = arena;
        Input = input;
        Output = output;
        Kernels = kernels;
    }

    public IReadOnlyList<Operator> Operators { get; }

    public Arena Arena { get; }

    public float[] Input { get; }

    public float[] Output { get; }

    public string Kernels { get; }

    public WorkerPool? Pool { get; }

    /// <summary>Intra-op threads: the calling thread plus the pool's workers.</summary>
    public int Threads => Pool?.Threads ?? 1;

    public long ArenaBytes => Arena.Memory.LongLength;

    /// <summary>The arena the same operators would need without row strips (every tensor whole).</summary>
    public long NaiveArenaBytes { get; init; }

    public long WeightBytes => Operators.Sum(o => o.WeightBytes);

    /// <summary>Runs the plan calling <paramref name="after"/> after each operator (diagnostics: inspect slots
    /// before the arena reuses them).</summary>
    public void Run(Action<Operator> after)
    {
        foreach (var op in _operators)
        {
            op.Run(Arena);
            after(op);
        }
    }

    /// <summary>Runs the operators from index <paramref name="first"/> on (1: the input stage was done by the
    /// caller, see <see cref="ManagedClassifier.RunQuantized"/>).</summary>
    public void Run(int first = 0)
    {
        // An array, not the interface: enumerating an IReadOnlyList would allocate an enumerator per run.
        var ops = _operators;
        for (var i = first; i < ops.Length; i++)
        {
            ops[i].Run(Arena);
        }
    }

    public void Dispose() => Pool?.Dispose();
}
