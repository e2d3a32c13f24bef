namespace EdgeMobileNet.Station.Configuration;

/// <summary>Section `Mqtt`.</summary>
public sealed class MqttOptions
{
    public const string Section = "Mqtt";

    /// <summary>False: no broker, no connection, no MQTT trigger; events are not published.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>External broker; empty starts the embedded broker on localhost.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 1883;

    public string ClientId { get; set; } = "";

    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    public bool Tls { get; set; }

    public string CaFile { get; set; } = "";

    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>Removed: the outbox's bounds are the Outbox section's (Outbox:MaxMegabytes, MaxCount, MaxAgeHours).
    /// Kept only so that a settings file still naming it is refused with that advice instead of "unknown key"
    /// (<see cref="NotSet"/> unless a file or argument gives it a value).</summary>
    public int QueueCapacity { get; set; } = NotSet;

    /// <summary>The value of a removed key nobody set.</summary>
    public const int NotSet = int.MinValue;

    /// <summary>QoS 1 events awaiting their PUBACK at once.</summary>
    public int MaxInFlight { get; set; } = 8;

    /// <summary>A PUBACK later than this counts as a dead connection: disconnect, reconnect, send again.</summary>
    public int PublishTimeoutMs { get; set; } = 5_000;

    /// <summary>The oldest waiting event older than this marks the station degraded.</summary>
    public double LagBoundSeconds { get; set; } = 30;

    public int ReconnectMinMs { get; set; } = 250;

    public int ReconnectMaxMs { get; set; } = 5_000;

    /// <summary>On stop, how long queued events may take to flush before the final `state` is published.</summary>
    public int DrainTimeoutMs { get; set; } = 1_000;

    /// <summary>Seconds between retained `state` updates (also sent on every health change and on stop).</summary>
    public double StateIntervalSeconds { get; set; } = 1;

    /// <summary>Publish Home Assistant device discovery (retained, under <see cref="DiscoveryPrefix"/>).</summary>
    public bool Discovery { get; set; } = true;

    /// <summary>Home Assistant's discovery prefix (its MQTT integration's setting; `homeassistant` by default).</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>Optional link Home Assistant shows for the station (origin `url`, device `configuration_url`): the
    /// station's web page or your own documentation.</summary>
    public string DiscoveryUrl { get; set; } = "";

    /// <summary>Accept `cmd/set` (threshold, outputs, pause, rate). Off by default: cmd/trigger and cmd/gpio work
    /// either way.</summary>
    public bool Commands { get; set; }

    /// <summary>Embedded broker: the largest publish (topic plus payload, KiB) it accepts from other clients. The
    /// station's own client is not bound by it (a retained snapshot of a reject may be larger).</summary>
    public int BrokerMaxPacketKilobytes { get; set; } = 256;

    /// <summary>Embedded broker: retained messages it keeps at most (the station's own count, but are never refused).</summary>
    public int BrokerMaxRetainedMessages { get; set; } = 1000;

    /// <summary>Embedded broker: bytes (KiB) of retained payloads it keeps at most.</summary>
    public int BrokerMaxRetainedKilobytes { get; set; } = 8192;
}
