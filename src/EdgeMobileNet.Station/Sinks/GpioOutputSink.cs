using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>Drives the verdict outputs (gates and lamps) from each result.</summary>
internal sealed class GpioOutputSink(OutputBank outputs) : IResultSink
{
    public void Accept(ClassificationResult result) => outputs.Apply(result.Verdict, result.TriggerTimestamp);
}
