using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>The outbox tests fsync, run a writer flat out, measure lag and run a whole station: they run on their own,
/// after the parallel tests, so they neither disturb the station's timing tests (GPIO pulse widths on a busy 2-core
/// machine) nor get disturbed by them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OutboxProcessesCollection
{
    public const string Name = "outbox";
}
