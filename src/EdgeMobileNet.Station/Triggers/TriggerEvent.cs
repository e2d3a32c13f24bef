using EdgeMobileNet.Station.Frames;

namespace EdgeMobileNet.Station.Triggers;

/// <summary>A request for one classification: who asked, when (a <see cref="TimeProvider"/> timestamp), and the
/// claim on the first frame captured after that moment.</summary>
internal sealed record TriggerEvent(string Kind, long Timestamp, FrameRequest Request);
