namespace EdgeMobileNet.Station.Frames;

/// <summary>A trigger's claim on the first frame captured after its edge; completed by the capture side.</summary>
internal sealed class FrameRequest
{
    private readonly TaskCompletionSource<FrameBuffer> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FrameRequest(FrameBuffer buffer, long edge)
    {
        Buffer = buffer;
        Edge = edge;
    }

    /// <summary>The trigger's edge (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Edge { get; }

    public FrameBuffer Buffer { get; }

    public Task<FrameBuffer> Frame => _done.Task;

    internal void Complete(FrameBuffer source)
    {
        Buffer.CopyFrom(source);
        _done.TrySetResult(Buffer);
    }

    internal void Cancel() => _done.TrySetCanceled();
}
