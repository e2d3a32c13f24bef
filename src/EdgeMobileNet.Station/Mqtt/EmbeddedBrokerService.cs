using System.Net;
using EdgeMobileNet.Station.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace EdgeMobileNet.Station.Mqtt;

/// <summary>With no external broker configured, the station runs its own on localhost (Mqtt:Port), so a dashboard
/// or mosquitto_sub on the device can watch it without any other software installed. Registered only then.</summary>
internal sealed partial class EmbeddedBrokerService : IHostedService, IDisposable
{
    private readonly MqttOptions _options;
    private readonly ILogger<EmbeddedBrokerService> _logger;
    private MqttServer? _server;

    public EmbeddedBrokerService(IOptions<MqttOptions> options, ILogger<EmbeddedBrokerService> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(_options.Port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            throw new Inference.EdgeMobileNetException($"Mqtt:Port: cannot start the embedded broker on 127.0.0.1:{_options.Port} ({ex.Message})", ex);
        }

        LogStarted(_logger, _options.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _server?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on 127.0.0.1:{Port}")]
    private static partial void LogStarted(ILogger logger, int port);
}
