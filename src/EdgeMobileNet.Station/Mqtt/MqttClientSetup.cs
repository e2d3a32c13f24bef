using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeMobileNet.Station.Configuration;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>The station's MQTT client settings (will `offline` on `available`, TLS, credentials), QoS 1 publishing,
/// and connection failures in words a user can act on.</summary>
internal static class MqttClientSetup
{
    /// <summary>The station's client settings; with <paramref name="embeddedKey"/> (the embedded broker is the
    /// broker) the client proves it is the station's own (see <see cref="StationClientKey"/>).</summary>
    public static MqttClientOptions Build(MqttOptions o, string stationId, StationTopics topics, StationClientKey? embeddedKey = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Host(o), o.Port)
            .WithClientId(ClientId(o, stationId))
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(topics.Available)
            .WithWillPayload(Encoding.UTF8.GetBytes("offline"))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (o.Username.Length > 0)
        {
            builder.WithCredentials(o.Username, o.Password);
        }

        if (embeddedKey is not null && o.Host.Length == 0)
        {
            builder.WithUserProperty(StationClientKey.Property, new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(embeddedKey.Value)));
        }

        if (o.Tls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (o.CaFile.Length > 0)
                {
                    var chain = new X509Certificate2Collection();
                    chain.ImportFromPemFile(o.CaFile);
                    tls.WithTrustChain(chain);
                }

                if (o.AllowUntrustedCertificates)
                {
                    tls.WithAllowUntrustedCertificates().WithIgnoreCertificateChainErrors().WithCertificateValidationHandler(_ => true);
                }
            });
        }

        return builder.Build();
    }

    /// <summary>The station's client id: Mqtt:ClientId, else `edgemobilenet-&lt;station id&gt;`.</summary>
    public static string ClientId(MqttOptions o, string stationId) => o.ClientId.Length > 0 ? o.ClientId : $"edgemobilenet-{stationId}";

    public static string Host(MqttOptions o) => o.Host.Length > 0 ? o.Host : "127.0.0.1";

    /// <summary>Connects; a broker that answers but refuses the connection is an exception naming why.</summary>
    public static async Task ConnectAsync(IMqttClient client, MqttClientOptions options, CancellationToken cancellationToken)
    {
        MqttClientConnectResult result;
        try
        {
            result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttConnectingFailedException e)
        {
            // The exception carries the CONNACK result code only in its message ("Connecting failed: BadUserNameOrPassword").
            var code = Enum.GetValues<MqttClientConnectResultCode>()
                .Where(c => c != MqttClientConnectResultCode.Success && e.Message.Contains(c.ToString(), StringComparison.Ordinal))
                .DefaultIfEmpty(MqttClientConnectResultCode.UnspecifiedError)
                .First();
            throw new BrokerRefusedException(Refusal(code), e);
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new BrokerRefusedException(Refusal(result.ResultCode));
        }
    }

    /// <summary>Publishes with QoS 1 and waits for the PUBACK. <paramref name="cancellationToken"/> stops the wait,
    /// never the write: a publish cut short part-way leaves half a packet on the connection, and the broker would take
    /// the next packets' bytes as the rest of its payload. After a cancelled wait, drop the connection.</summary>
    public static async Task PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        cancellationToken.ThrowIfCancellationRequested();
        var send = client.PublishAsync(message, CancellationToken.None);
        _ = send.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var result = await send.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"publish to {topic} refused: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private static string Refusal(MqttClientConnectResultCode code) => code switch
    {
        // Brokers answer a wrong password with either code (mosquitto: "not authorised").
        MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized =>
            "the broker refused the connection: wrong user name or password, or not authorised (Mqtt:Username, Mqtt:Password)",
        MqttClientConnectResultCode.ClientIdentifierNotValid => "the broker refused the connection: client id not valid (Mqtt:ClientId)",
        _ => $"the broker refused the connection: {code}",
    };
}

/// <summary>The broker answered and said no (credentials, client id): retrying cannot help until the setting changes.</summary>
internal sealed class BrokerRefusedException : Exception
{
    public BrokerRefusedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
