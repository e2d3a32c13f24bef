using System.Device.Gpio;
using System.Globalization;
using System.Text;
using EdgeMobileNet.Station.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeMobileNet.Station.Gpio;

/// <summary>
/// `edgemobilenet gpio pulse|watch`: commissioning a pin by hand. With libgpiod the line itself is driven or watched
/// (the station must not hold it at the same time). With the simulated driver the pins live inside the running
/// station, so the tool goes through its MQTT topics: `cmd/gpio/&lt;pin&gt;` to pulse, `gpio/&lt;pin&gt;` to watch.
/// </summary>
public static class GpioTool
{
    /// <summary>Drives a libgpiod output line active (high) for <paramref name="length"/>, then low.</summary>
    public static async Task PulseLineAsync(int chip, int pin, TimeSpan length, CancellationToken cancellationToken)
    {
        using var controller = new GpioController(GpioControllerFactory.OpenLibgpiod(chip, "--chip"));
        controller.OpenPin(pin, PinMode.Output, PinValue.Low);
        try
        {
            controller.Write(pin, PinValue.High);
            await Task.Delay(length, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            controller.Write(pin, PinValue.Low);
        }
    }

    /// <summary>Prints every edge of a libgpiod input line until cancelled.</summary>
    public static async Task WatchLineAsync(int chip, int pin, TextWriter output, CancellationToken cancellationToken)
    {
        using var controller = new GpioController(GpioControllerFactory.OpenLibgpiod(chip, "--chip"));
        controller.OpenPin(pin, PinMode.Input);
        output.WriteLine(Line(pin, controller.Read(pin) == PinValue.High ? "high" : "low", "now"));
        void OnEdge(object sender, PinValueChangedEventArgs e) =>
            output.WriteLine(Line(pin, e.ChangeType == PinEventTypes.Rising ? "high" : "low", "edge"));
        controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Done watching.
        }
        finally
        {
            controller.UnregisterCallbackForPinValueChangedEvent(pin, OnEdge);
        }
    }

    /// <summary>Asks a station on the simulated driver to pulse input <paramref name="pin"/>.</summary>
    public static async Task PulseStationPinAsync(string host, int port, string stationId, int pin, CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        var topics = new StationTopics(stationId);
        await MqttClientSetup.PublishAsync(client, topics.GpioCommandPrefix + pin.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes("pulse"), retain: false, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prints every change of a station's simulated pin until cancelled.</summary>
    public static async Task WatchStationPinAsync(string host, int port, string stationId, int pin, TextWriter output, CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        var topic = new StationTopics(stationId).GpioPin(pin);
        client.ApplicationMessageReceivedAsync += e =>
        {
            output.WriteLine(Line(pin, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), "edge"));
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
        output.WriteLine($"watching {topic}");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Done watching.
        }
    }

    private static async Task<IMqttClient> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithCleanSession(true).WithTimeout(TimeSpan.FromSeconds(5)).Build();
            await MqttClientSetup.ConnectAsync(client, options, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            client.Dispose();
            throw new Inference.EdgeMobileNetException($"--mqtt-host: cannot reach the station's broker at {host}:{port} ({e.Message})", e);
        }
    }

    private static string Line(int pin, string level, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss.fff} pin {pin} {level} ({what})");
}
