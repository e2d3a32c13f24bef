using System.Net;
using System.Text.Json;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Http;

/// <summary>`/healthz` follows the station's health: 503 with the reason while the camera delivers nothing, 200 again
/// once frames flow.</summary>
public sealed class HealthzTests
{
    [Fact]
    public async Task GoesUnavailableWithTheReasonWhenTheFrameSourceStopsAndBack()
    {
        // A camera command that delivers 30 frames, stalls for 4 s, exits, and is started again (1 s later).
        const int FrameBytes = 160 * 120 * 3;
        var command = $"head -c {FrameBytes * 30} /dev/urandom; sleep 4";
        await using var station = await WebStation.StartAsync(
        [
            "--Source:Kind", "pipe", "--Source:PixelFormat", "RGB24", "--Source:Command", command,
            "--Source:RestartMinMs", "1000", "--Station:NoFramesSeconds", "1",
        ]);
        var ct = TestContext.Current.CancellationToken;
        var wait = TimeSpan.FromSeconds(45);

        async Task<(HttpStatusCode Status, JsonElement Body)> HealthzAsync()
        {
            using var response = await station.Http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return (response.StatusCode, doc.RootElement.Clone());
        }

        await WebStation.EventuallyAsync(async () => (await HealthzAsync()).Status == HttpStatusCode.OK, wait, "running (200)");
        await WebStation.EventuallyAsync(async () => (await HealthzAsync()).Status == HttpStatusCode.ServiceUnavailable, wait, "no frames (503)");
        var (_, degraded) = await HealthzAsync();
        Assert.Equal("degraded", degraded.GetProperty("status").GetString());
        Assert.Contains(degraded.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("no frames", StringComparison.Ordinal));
        Assert.Equal("demo", degraded.GetProperty("station").GetString());

        await WebStation.EventuallyAsync(async () => (await HealthzAsync()).Status == HttpStatusCode.OK, wait, "frames again (200)");
        var (_, running) = await HealthzAsync();
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(0, running.GetProperty("reasons").GetArrayLength());
    }
}
