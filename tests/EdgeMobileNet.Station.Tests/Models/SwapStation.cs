using System.Globalization;
using System.Text.Json;
using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Station.Tests.EndToEnd;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>The real station in-process for deployment tests: the shared zoo int8 model with ImageNet labels,
/// synthetic frames classified continuously at full rate, events kept (embedded broker on a free port unless a
/// broker port is given), and its own state directory.</summary>
internal sealed class SwapStation : IAsyncDisposable
{
    private SwapStation(IHost host, RecordingOutbox events, string stateDir, int port)
    {
        Host = host;
        Events = events;
        StateDir = stateDir;
        Port = port;
    }

    public IHost Host { get; }

    public RecordingOutbox Events { get; }

    public string StateDir { get; }

    public int Port { get; }

    public IModelDeployer Deployer => Host.Services.GetRequiredService<IModelDeployer>();

    public static async Task<SwapStation> StartAsync(string id, string stateDir, int? brokerPort = null, params string[] extra)
    {
        var port = brokerPort ?? FreePort.Next();
        var events = new RecordingOutbox();
        var host = InProcessStation.Build(
        [
            .. TestModels.ZooArgs,
            "--Station:Id", id,
            "--Station:StateDir", stateDir,
            "--Mqtt:Commands", "true",
            .. brokerPort is null ? ["--Mqtt:Port", port.ToString(CultureInfo.InvariantCulture)] : new[] { "--Mqtt:Host", "127.0.0.1", "--Mqtt:Port", port.ToString(CultureInfo.InvariantCulture) },
            "--Source:Kind", "synthetic", "--Source:Rate", "200",
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
            .. extra,
        ], events);
        await host.StartAsync(Xunit.TestContext.Current.CancellationToken);
        return new SwapStation(host, events, stateDir, port);
    }

    /// <summary>Events so far: (frame_seq, model_sha256, label, top labels).</summary>
    public IReadOnlyList<SwapEvent> Parsed() => [.. Events.Events.Select(SwapEvent.Parse)];

    public async Task WaitForEventsAsync(Func<IReadOnlyList<SwapEvent>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Parsed()))
        {
            Xunit.Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout.TotalSeconds} s; {Events.Events.Count} events");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }
}

internal sealed record SwapEvent(long Number, long FrameSeq, string Sha256, string Label, string[] TopLabels, DateTimeOffset Ts)
{
    public static SwapEvent Parse(string json)
    {
        var checkedEvent = StationEvent.Parse(json);
        using var doc = JsonDocument.Parse(json);
        var top = doc.RootElement.GetProperty("top").EnumerateArray().Select(t => t.GetProperty("label").GetString()!).ToArray();
        return new SwapEvent(checkedEvent.Number, checkedEvent.FrameSeq, checkedEvent.ModelSha256, checkedEvent.Label, top, checkedEvent.Ts);
    }
}
