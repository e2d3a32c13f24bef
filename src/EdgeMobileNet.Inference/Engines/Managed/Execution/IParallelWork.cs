namespace EdgeMobileNet.Inference.Engines.Managed.Execution;

/// <summary>
/// Work split into independent parts at load. An operator implements it itself, so dispatching it to the
/// <see cref="WorkerPool"/> allocates nothing (no closure, no task).
/// </summary>
internal interface IParallelWork
{
    /// <summary>Names the work in errors raised by any of its parts (the operator's ONNX node names).</summary>
    string Name { get; }

    /// <summary>Runs part <paramref name="part"/>; parts touch disjoint outputs and may run concurrently.</summary>
    void RunPart(int part);
}
