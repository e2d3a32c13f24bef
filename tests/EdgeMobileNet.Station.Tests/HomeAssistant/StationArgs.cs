using System.Globalization;
using EdgeMobileNet.Station.Tests.Support;

namespace EdgeMobileNet.Station.Tests.HomeAssistant;

/// <summary>The demo's line (synthetic conveyor, colour model, red → reject, the rest pass, a reject gate on pin 17 and
/// a pass lamp on pin 27, simulated GPIO) connected to an external broker.</summary>
internal static class StationArgs
{
    public static string[] Demo(string id, int brokerPort, params string[] more) =>
    [
        .. TestModels.DemoArgs,
        "--Station:Id", id,
        "--Mqtt:Host", "127.0.0.1", "--Mqtt:Port", brokerPort.ToString(CultureInfo.InvariantCulture),
        "--Mqtt:StateIntervalSeconds", "0.2",
        "--Source:Kind", "synthetic", "--Source:Width", "160", "--Source:Height", "120", "--Source:Rate", "15", "--Source:FramesPerPart", "4",
        "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
        "--Decision:Rules:0:Class", "red", "--Decision:Rules:0:Verdict", "reject", "--Decision:Default", "pass",
        "--Outputs:0:Pin", "17", "--Outputs:0:Verdict", "reject", "--Outputs:0:Mode", "pulse", "--Outputs:0:PulseMs", "50",
        "--Outputs:1:Pin", "27", "--Outputs:1:Verdict", "pass", "--Outputs:1:Mode", "level",
        "--Gpio:Driver", "simulated",
        .. more,
    ];
}
