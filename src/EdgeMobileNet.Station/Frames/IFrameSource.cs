namespace EdgeMobileNet.Station.Frames;

/// <summary>
/// Produces frames into a <see cref="LatestFrameSlot"/> until cancelled (or, for a finite source, until done).
/// A source fills <see cref="LatestFrameSlot.BeginWrite"/>'s buffer in place and calls
/// <see cref="LatestFrameSlot.Publish"/>; a V4L2 capture source fits the same shape (dequeue, copy, publish).
/// </summary>
internal interface IFrameSource
{
    /// <summary>Short description for logs, e.g. "pipe 160x120 I420".</summary>
    string Description { get; }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or a finite source ends; returns normally in both cases.</summary>
    Task RunAsync(LatestFrameSlot slot, CancellationToken cancellationToken);
}
