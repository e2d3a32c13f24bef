namespace EdgeMobileNet.Station.Mqtt;

/// <summary>The topic tree under <c>edgemobilenet/&lt;station-id&gt;/</c> (documented in docs/mqtt.md).</summary>
internal sealed class StationTopics(string stationId)
{
    public string Root { get; } = $"edgemobilenet/{stationId}/";

    public string Available => Root + "available";

    public string Event => Root + "event";

    public string State => Root + "state";

    public string TriggerCommand => Root + "cmd/trigger";
}
