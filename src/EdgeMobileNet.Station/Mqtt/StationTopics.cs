namespace EdgeMobileNet.Station.Mqtt;

/// <summary>The topic tree under <c>edgemobilenet/&lt;station-id&gt;/</c> (documented in docs/mqtt.md).</summary>
internal sealed class StationTopics(string stationId)
{
    public string Root { get; } = $"edgemobilenet/{stationId}/";

    public string Available => Root + "available";

    public string Event => Root + "event";

    public string State => Root + "state";

    public string TriggerCommand => Root + "cmd/trigger";

    /// <summary>`cmd/gpio/&lt;pin&gt;` with `high`, `low` or `pulse`: drives a simulated input pin (commissioning).</summary>
    public string GpioCommandFilter => Root + "cmd/gpio/+";

    public string GpioCommandPrefix => Root + "cmd/gpio/";

    /// <summary>`gpio/&lt;pin&gt;`: `high` or `low` on every change of a simulated pin (commissioning, `edgemobilenet gpio watch`).</summary>
    public string GpioPin(int pin) => Root + "gpio/" + pin.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
