using System.Net;
using System.Net.Sockets;
using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>
/// With no external broker configured, the station runs its own (Mqtt:Port), so a dashboard or mosquitto_sub on the
/// device can watch it without any other software installed. Registered only then. It is a device-local default,
/// hardened for that role: it listens on loopback only (127.0.0.1 and ::1, never every address); it refuses
/// publishes larger than Mqtt:BrokerMaxPacketKilobytes and retained messages beyond Mqtt:BrokerMaxRetainedMessages
/// and Mqtt:BrokerMaxRetainedKilobytes; the station's client id is reserved for the station's own client (which
/// proves itself with <see cref="StationClientKey"/>); and with Mqtt:Username set, only clients presenting that user
/// name and Mqtt:Password get in. The rules are in the partial file EmbeddedBrokerService.Policy.cs.
/// </summary>
internal sealed partial class EmbeddedBrokerService : IHostedService, IDisposable
{
    private readonly MqttOptions _options;
    private readonly StationClientKey _key;
    private readonly string _stationClientId;
    private readonly ILogger<EmbeddedBrokerService> _logger;
    private MqttServer? _server;

    public EmbeddedBrokerService(IOptions<MqttOptions> options, IOptions<StationOptions> station, StationClientKey key, ILogger<EmbeddedBrokerService> logger)
    {
        _options = options.Value;
        _key = key;
        _stationClientId = MqttClientSetup.ClientId(_options, station.Value.Id);
        _logger = logger;
        _maxPacketBytes = _options.BrokerMaxPacketKilobytes * 1024L;
        _maxRetainedBytes = _options.BrokerMaxRetainedKilobytes * 1024L;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Both loopback addresses (a client resolving "localhost" may try ::1 first); never IPv6Any, MQTTnet's
        // default for the second listener, which would open the broker to the network.
        var v6 = IPv6LoopbackUsable() ? IPAddress.IPv6Loopback : IPAddress.None;
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(v6)
            .WithDefaultEndpointPort(_options.Port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            throw new Inference.EdgeMobileNetException($"Mqtt:Port: cannot start the embedded broker on 127.0.0.1:{_options.Port} ({ex.Message})", ex);
        }

        LogStarted(_logger, _options.Port, v6.Equals(IPAddress.None) ? "" : $" and [::1]:{_options.Port}", _options.Username.Length > 0 ? "user name and password required" : "no credentials");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _server?.Dispose();

    /// <summary>Whether ::1 can be bound (IPv6 may be disabled on the device; then 127.0.0.1 alone).</summary>
    private static bool IPv6LoopbackUsable()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on 127.0.0.1:{Port}{V6} ({Auth})")]
    private static partial void LogStarted(ILogger logger, int port, string v6, string auth);
}
