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

    /// <summary>`error`: a refused command, JSON `{command, field, reason, time}` (not retained).</summary>
    public string Error => Root + "error";

    /// <summary>`cmd/set`: change runtime settings (threshold, outputs, trigger) with JSON; echoed on <see cref="ConfigState"/>.</summary>
    public string SetCommand => Root + "cmd/set";

    /// <summary>`config/state`: the runtime settings in force (retained).</summary>
    public string ConfigState => Root + "config/state";

    /// <summary>`cmd/model`: deploy a model without restart (`{url, sha256}` or `{path}`).</summary>
    public string ModelCommand => Root + "cmd/model";

    /// <summary>`model/state`: the model in force and the outcome of the last deployment (retained).</summary>
    public string ModelState => Root + "model/state";

    /// <summary>`cmd/capture`: save the next frame to the dataset folder.</summary>
    public string CaptureCommand => Root + "cmd/capture";

    /// <summary>`snapshot/reject`: the JPEG of the last rejected part (retained).</summary>
    public string RejectSnapshot => Root + "snapshot/reject";
}
