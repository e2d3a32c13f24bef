using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Tests that measure real-time behaviour of a station in this process (GPIO pulse timing): they run on their
/// own, after the parallel tests, so other tests' threads neither compete for the thread pool that runs the station's
/// timers nor for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
