using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Tests.Support;

/// <summary>A subscriber that records every message under a topic filter, in arrival order. With a persistent
/// session it reconnects by itself, so it survives a broker restart without losing QoS 1 messages.</summary>
internal sealed class MqttRecorder : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private readonly string _filter;
    private readonly CancellationTokenSource _closing = new();
    private readonly ConcurrentQueue<(string Topic, string Payload, bool Retain)> _messages = new();
    private readonly ConcurrentQueue<(string Topic, byte[] Payload, bool Retain)> _raw = new();

    private MqttRecorder(int port, string filter, bool persistentSession, (string User, string Password)? account)
    {
        _filter = filter;
        _client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder();
        if (account is { } a)
        {
            builder.WithCredentials(a.User, a.Password);
        }

        _options = builder
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("recorder-" + Guid.NewGuid().ToString("N")[..8])
            // MQTT 3.1.1: clean-session false keeps the session (and its queued QoS 1 messages, in flight ones
            // included) across disconnects and, with persistence, broker restarts.
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession(!persistentSession)
            .Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            _raw.Enqueue((m.Topic, m.Payload.ToArray(), m.Retain));
            _messages.Enqueue((m.Topic, m.ConvertPayloadToString() ?? "", m.Retain));
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += async _ =>
        {
            while (!_closing.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(100, _closing.Token);
                    await _client.ConnectAsync(_options, _closing.Token);
                    await SubscribeAsync();
                    return;
                }
                catch (Exception) when (!_closing.IsCancellationRequested)
                {
                    // Broker still away: try again.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        };
    }

    public static async Task<MqttRecorder> StartAsync(int port, string filter, bool persistentSession = false, (string User, string Password)? account = null)
    {
        var recorder = new MqttRecorder(port, filter, persistentSession, account);
        await recorder._client.ConnectAsync(recorder._options);
        await recorder.SubscribeAsync();
        return recorder;
    }

    public IReadOnlyList<(string Topic, string Payload, bool Retain)> Messages => [.. _messages];

    /// <summary>The messages with their payload bytes (binary payloads such as JPEG snapshots).</summary>
    public IReadOnlyList<(string Topic, byte[] Payload, bool Retain)> Raw => [.. _raw];

    public IReadOnlyList<string> Payloads(string topic) => [.. _messages.Where(m => m.Topic == topic).Select(m => m.Payload)];

    public async Task<bool> WaitForAsync(Func<MqttRecorder, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    public Task PublishAsync(string topic, string payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (MqttCommunicationException)
            {
                // The broker went first (an embedded broker stops with its host): nothing left to close politely.
            }
        }

        _client.Dispose();
        _closing.Dispose();
    }

    private Task SubscribeAsync() =>
        _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
}
