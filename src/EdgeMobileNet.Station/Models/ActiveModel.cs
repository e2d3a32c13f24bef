using EdgeMobileNet.Station.Classification;
using EdgeMobileNet.Station.Decisions;

namespace EdgeMobileNet.Station.Models;

/// <summary>Everything the classification loop needs from one model, swapped as one reference: the frame
/// classifier (model, labels, view), the decision rules resolved against its labels, and what it is.</summary>
internal sealed class ActiveModel(FrameClassifier classifier, DecisionPolicy policy, DeployedModel info) : IDisposable
{
    public FrameClassifier Classifier { get; } = classifier;

    public DecisionPolicy Policy { get; } = policy;

    /// <summary>What it is; replaced once, at the swap, to stamp when it started classifying.</summary>
    public DeployedModel Info { get; set; } = info;

    public void Dispose() => Classifier.Dispose();
}

/// <summary>A prepared model waiting for the classification loop; completed with the model it replaced and how
/// long the swap held the loop.</summary>
internal sealed class PendingSwap(ActiveModel model)
{
    private readonly TaskCompletionSource<(ActiveModel Old, double PauseMs)> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ActiveModel Model { get; } = model;

    public Task<(ActiveModel Old, double PauseMs)> Completion => _done.Task;

    public void Complete(ActiveModel old, double pauseMs) => _done.TrySetResult((old, pauseMs));
}
