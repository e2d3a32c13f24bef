using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>Everything that can be wrong with the input is found before any connection: a bad station leaves no
/// retained `state` behind, and Mqtt:Enabled false means no connection at all.</summary>
public sealed class StartupOrderTests
{
    public static TheoryData<string, string> StartupErrors => new()
    {
        { "rule", "Decision:Rules:0:Class: no class 'purple'" },
        { "not-onnx", "Model:Path: " },
        { "labels", "Model:Labels: " },
    };

    [Theory]
    [MemberData(nameof(StartupErrors))]
    public async Task A_startup_error_exits_2_before_mqtt_connects(string mistake, string expected)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var id = "boot-" + mistake;
        var dir = TestAssets.NewTempDir();
        string[] model = mistake switch
        {
            "rule" => [.. TestModels.ZooArgs, "--Decision:Rules:0:Class", "purple", "--Decision:Rules:0:Verdict", "reject"],
            "not-onnx" => ["--Model:Path", Write(dir, "model.onnx", "this is not a protobuf"), "--Model:Engine", "ort"],
            _ => ["--Model:Path", TestAssets.ZooInt8, "--Model:Engine", "ort", "--Model:Labels", Write(dir, "labels.txt", "cat\ndog\n")],
        };
        var (code, _, stderr) = await StationProcess.RunAsync(
        [
            "run", .. model, "--station-id", id,
            "--mqtt-host", "127.0.0.1", "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--Gpio:Driver", "simulated",
        ], TimeSpan.FromSeconds(60));

        Assert.True(code == 2, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);

        // Retained messages reach a new subscriber at once: there must be none (no `state` running, no `available`).
        await using var late = await MqttRecorder.StartAsync(broker.Port, $"edgemobilenet/{id}/#");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Empty(late.Messages);
    }

    [Fact]
    public async Task A_model_that_fails_to_run_exits_2_at_startup_naming_the_model()
    {
        var model = TestImages.ModelWithGroupZero();
        var (code, _, stderr) = await StationProcess.RunAsync(
            ["run", "--Model:Path", model, "--Model:Engine", "ort", "--Mqtt:Enabled", "false", "--Gpio:Driver", "simulated"], TimeSpan.FromSeconds(60));
        Assert.True(code == 2, $"exit {code}: {stderr}");
        // ONNX Runtime may log the failure itself on its own line first; ours is the last, and there is no stack trace.
        var line = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith($"edgemobilenet: Model:Path: {model}: the model loads but fails to run on ort (", line);
        Assert.DoesNotContain("internal error", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Mqtt_disabled_makes_no_connection_attempt()
    {
        // Something listens where the station would connect: it must never be called.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var (code, _, stderr) = await StationProcess.RunAsync(
        [
            "run", .. TestModels.DemoArgs, "--Mqtt:Enabled", "false", "--Mqtt:Host", "127.0.0.1", "--Mqtt:Port", port,
            "--Source:Rate", "0", "--Trigger:Rate", "0", "--max-frames", "20", "--Gpio:Driver", "simulated",
        ], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("Reached Station:MaxFrames after 20", stderr);
        Assert.False(listener.Pending(), "the station connected to the MQTT port");
        Assert.DoesNotContain("MQTT", stderr, StringComparison.OrdinalIgnoreCase);
    }

    private static string Write(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
