namespace EdgeMobileNet.Inference;

/// <summary>Memory figures an engine can report for `bench` (the managed engine plans its arena at load).</summary>
public interface IModelMemoryInfo
{
    long PeakActivationBytes { get; }

    /// <summary>Activation bytes of the plan without memory-saving fusions (equal to the peak when there are none).</summary>
    long NaiveActivationBytes => PeakActivationBytes;

    long WeightsBytes { get; }
}
