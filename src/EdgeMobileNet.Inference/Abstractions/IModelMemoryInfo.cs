namespace EdgeMobileNet.Inference;

/// <summary>Memory figures an engine can report for `bench` (the managed engine plans its arena at load).</summary>
public interface IModelMemoryInfo
{
    long PeakActivationBytes { get; }

    long WeightsBytes { get; }
}
