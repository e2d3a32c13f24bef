using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;

namespace EdgeMobileNet.Station.Sinks;

/// <summary>Drives the verdict outputs (gates and lamps) from each result. While the live setting `outputs` is false
/// (`cmd/set`) every output stays at its safe level and pending pulses are cancelled.</summary>
internal sealed class GpioOutputSink : IResultSink
{
    private readonly OutputBank _outputs;

    public GpioOutputSink(OutputBank outputs, LiveSettings live)
    {
        _outputs = outputs;
        outputs.SetEnabled(live.OutputsEnabled);
        live.Changed += v => outputs.SetEnabled(v.Outputs);
    }

    public void Accept(ClassificationResult result) => _outputs.Apply(result.Verdict, result.TriggerTimestamp);
}
