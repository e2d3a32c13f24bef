using System.Globalization;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Pipeline;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>The disk outbox registered into today's station (the demo pipeline, its current publisher on the
/// head-only adapter): events that could not be delivered before a stop are delivered by the next run.</summary>
[Collection(OutboxProcessesCollection.Name)]
public sealed class StationRestartTests : IDisposable
{
    private readonly string _state = TestAssets.NewTempDir();
    private readonly string _cache = TestAssets.NewTempDir();

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task Events_that_waited_for_an_absent_broker_are_delivered_by_the_next_run_in_order()
    {
        // Run 1: the broker is not there; 30 events wait in the outbox when the station stops.
        await RunStationAsync(FreePort.Next(), frames: 30);
        using (var store = SegmentLogOutbox.Open(Path.Combine(_state, "outbox"), new OutboxLimits(1 << 20, TimeSpan.FromDays(1)), TimeProvider.System, NullLogger.Instance))
        {
            Assert.Equal((30L, 30L), (store.Backlog.Count, store.Backlog.LastSequence));
        }

        // Run 2: with a broker, the 30 from run 1 arrive first, in order, then run 2's own 10. Today's publisher drains
        // one message at a time and only what is committed, so some of run 2's may still wait on disk at its stop.
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/demo/event");
        await RunStationAsync(broker.Port, frames: 10);
        Assert.True(
            await recorder.WaitForAsync(r => r.Payloads("edgemobilenet/demo/event").Distinct().Count() >= 30, TimeSpan.FromSeconds(20)),
            $"{recorder.Payloads("edgemobilenet/demo/event").Distinct().Count()} of run 1's 30 events arrived");
        await Task.Delay(500, TestContext.Current.CancellationToken); // the recorder receives the last ones

        long left;
        using (var store = SegmentLogOutbox.Open(Path.Combine(_state, "outbox"), new OutboxLimits(1 << 20, TimeSpan.FromDays(1)), TimeProvider.System, NullLogger.Instance))
        {
            left = store.Backlog.Count;
            Assert.Equal(40, store.Backlog.LastSequence);
        }

        var firsts = recorder.Payloads("edgemobilenet/demo/event").Distinct().Select(StationEvent.Parse).ToList();
        var runs = firsts.Select(e => e.Id[..e.Id.LastIndexOf('-')]).Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"{runs[0]}-{i}"), firsts.Take(30).Select(e => e.Id));
        var own = firsts.Count - 30;
        Assert.Equal(10 - own, left);
        Assert.Equal(Enumerable.Range(1, own).Select(i => $"{runs[^1]}-{i}"), firsts.Skip(30).Select(e => e.Id));
        TestContext.Current.TestOutputHelper?.WriteLine($"run 2 delivered run 1's 30 and {own} of its own 10; {left} left for the next run");
    }

    private async Task RunStationAsync(int brokerPort, int frames)
    {
        var ct = TestContext.Current.CancellationToken;
        var outbox = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Outbox:CommitIntervalMs"] = "50" }).Build();
        using var host = StationHost.Build(
            new StationLaunch
            {
                Demo = true,
                ConfigArgs =
                [
                    "--Station:CacheDir", _cache,
                    "--Station:PrintEvents", "false",
                    "--Mqtt:Host", "127.0.0.1",
                    "--Mqtt:Port", brokerPort.ToString(CultureInfo.InvariantCulture),
                    "--Mqtt:ReconnectMinMs", "100", "--Mqtt:ReconnectMaxMs", "200",
                    "--Source:Rate", "0", "--Source:Lossless", "true",
                ],
                Overrides = new Dictionary<string, string?> { ["Station:MaxFrames"] = frames.ToString(CultureInfo.InvariantCulture) },
            },
            services => services.AddOutbox(outbox, _ => _state));
        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct).WaitAsync(TimeSpan.FromSeconds(120), ct);
        Assert.Equal(0, host.Services.GetRequiredService<StationState>().ExitCode);
    }
}
