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

    /// <summary>Events kept in memory while the broker is away; the oldest is dropped (and counted) beyond it.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    public int ReconnectMinMs { get; set; } = 250;

    public int ReconnectMaxMs { get; set; } = 5_000;

    /// <summary>On stop, how long queued events may take to flush before the final `state` is published.</summary>
    public int DrainTimeoutMs { get; set; } = 1_000;

    /// <summary>Seconds between retained `state` updates (also sent on every health change and on stop).</summary>
    public double StateIntervalSeconds { get; set; } = 1;
}
