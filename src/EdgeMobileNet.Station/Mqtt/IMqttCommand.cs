namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// One MQTT command the station accepts (documented in docs/mqtt.md): one class plus one registration
/// (<c>services.AddSingleton&lt;IMqttCommand, MyCommand&gt;()</c>). The publisher subscribes to every command's
/// filters on each connection and hands a matching message to <see cref="HandleAsync"/>; answers (state echoes,
/// errors) go out through <see cref="MqttNotices"/>.
/// </summary>
internal interface IMqttCommand
{
    /// <summary>Absolute topic filters (usually under the station's <c>cmd/</c>), subscribed with QoS 1.</summary>
    IEnumerable<string> Filters { get; }

    /// <summary>True when this command handles <paramref name="topic"/>.</summary>
    bool Matches(string topic);

    /// <summary>Handles one message. Must not throw for bad input: log it and answer on the error topic.</summary>
    Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}

/// <summary>Something to publish whenever the station (re)connects to the broker (retained state, discovery).</summary>
internal interface IMqttConnectHook
{
    /// <summary>Called after each successful connect and subscribe; post what must be (re)published to
    /// <paramref name="notices"/>.</summary>
    void Connected(MqttNotices notices);
}
