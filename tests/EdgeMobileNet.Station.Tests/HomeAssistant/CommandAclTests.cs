using System.Text.Json;
using EdgeMobileNet.Station.Tests.EndToEnd;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.HomeAssistant;

/// <summary>The example ACL in deploy/ (docs/mqtt.md, "Who may send commands") on a real mosquitto: the operator
/// account's cmd/set reaches the station, another account's does not, and the station can still publish its tree and
/// its discovery config.</summary>
public sealed class CommandAclTests
{
    private static readonly (string User, string Password) Station = ("station-line3", "station-secret");
    private static readonly (string User, string Password) Operator = ("homeassistant", "operator-secret");
    private static readonly (string User, string Password) Viewer = ("dashboard", "viewer-secret");

    [Fact]
    public async Task Only_the_operator_account_may_set_and_every_account_may_read()
    {
        var ct = TestContext.Current.CancellationToken;
        var acl = Path.Combine(TestAssets.RepoRoot, "deploy", "mosquitto-acl.conf");
        await using var broker = await MosquittoBroker.StartAsync([Station, Operator, Viewer], acl);
        await using var viewer = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/line3/#", account: Viewer);
        await using var ha = await MqttRecorder.StartAsync(broker.Port, "homeassistant/device/#", account: Operator);
        await using var op = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/line3/config/state", account: Operator);
        using var host = InProcessStation.Build(
            StationArgs.Demo("line3", broker.Port, "--Mqtt:Commands", "true", "--Mqtt:Username", Station.User, "--Mqtt:Password", Station.Password, "--Trigger:Kind", "mqtt"),
            new RecordingOutbox());
        await host.StartAsync(ct);
        Assert.True(await viewer.WaitForAsync(r => r.Payloads("edgemobilenet/line3/config/state").Count == 1, TimeSpan.FromSeconds(60)), "no config/state");
        Assert.True(await ha.WaitForAsync(r => r.Messages.Count == 1, TimeSpan.FromSeconds(30)), "the station could not publish its discovery config");

        await viewer.PublishAsync("edgemobilenet/line3/cmd/set", """{"threshold": 0.9}""");
        await Task.Delay(1500, ct);
        Assert.Single(viewer.Payloads("edgemobilenet/line3/config/state")); // refused by the broker: never reached the station

        await op.PublishAsync("edgemobilenet/line3/cmd/set", """{"threshold": 0.6}""");
        Assert.True(await viewer.WaitForAsync(r => r.Payloads("edgemobilenet/line3/config/state").Count == 2, TimeSpan.FromSeconds(30)), "the operator's cmd/set did not arrive");
        Assert.Equal(0.6, JsonDocument.Parse(viewer.Payloads("edgemobilenet/line3/config/state")[1]).RootElement.GetProperty("threshold").GetDouble());
        await host.StopAsync(ct);
    }
}
