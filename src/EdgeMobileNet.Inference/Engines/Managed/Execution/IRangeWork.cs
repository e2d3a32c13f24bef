namespace EdgeMobileNet.Inference.Engines.Managed.Execution;

/// <summary>
/// Element-range work for <see cref="WorkerPool.For"/>: an elementwise operator processes [start, end) of its tensor.
/// Implemented by the operator itself so a dispatch allocates nothing.
/// </summary>
internal interface IRangeWork
{
    /// <summary>Names the work in errors raised by any range.</summary>
    string Name { get; }

    /// <summary>Processes elements [<paramref name="start"/>, <paramref name="end"/>); ranges never overlap.</summary>
    void RunRange(int start, int end);
}
