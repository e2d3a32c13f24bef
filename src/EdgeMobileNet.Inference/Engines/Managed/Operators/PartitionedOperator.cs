using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// An operator whose output is split at load into independent parts (row, pixel or channel ranges, or strip lanes).
/// With a worker pool the parts run on it, one dispatch per run; without one they run in order on the calling thread.
/// </summary>
internal abstract class PartitionedOperator : Operator, IParallelWork
{
    private WorkerPool? _pool;
    private Arena? _arena;

    protected PartitionedOperator(string name, TensorSlot[] inputs, TensorSlot? output)
        : base(name, inputs, output)
    {
    }

    /// <summary>How many independent parts the output is split into.</summary>
    protected abstract int PartCount { get; }

    public sealed override void Run(Arena arena)
    {
        if (_pool is null)
        {
            for (var p = 0; p < PartCount; p++)
            {
                RunPart(arena, p);
            }

            return;
        }

        _arena = arena;
        try
        {
            _pool.Run(this, PartCount);
        }
        finally
        {
            _arena = null;
        }
    }

    void IParallelWork.RunPart(int part) => RunPart(_arena!, part);

    /// <summary>Set once the parts exist: a pool is used only when there is more than one part to share.</summary>
    protected void UsePool(WorkerPool? pool) => _pool = PartCount > 1 && pool is { Threads: > 1 } ? pool : null;

    /// <summary>Computes part <paramref name="part"/>; distinct parts touch disjoint memory.</summary>
    protected abstract void RunPart(Arena arena, int part);
}
