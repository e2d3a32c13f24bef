using System.Globalization;
using EdgeMobileNet.ModelBuilder.Demo;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.Mqtt;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

public sealed class DemoTests
{
    [Fact]
    public async Task Demo_rejects_every_red_part_and_passes_everything_else()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorded = new RecordingOutbox();
        using var host = StationHost.Build(
            new StationLaunch
            {
                Demo = true,
                ConfigArgs =
                [
                    "--Station:CacheDir", TestAssets.NewTempDir(),
                    "--Station:StateDir", TestAssets.NewTempDir(), // snapshots not in the user's ~/.local/state
                    "--Station:PrintEvents", "false",
                    "--Mqtt:Port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    "--Source:Rate", "0", "--Source:Lossless", "true", // every frame, as fast as the model goes
                ],
                Overrides = new Dictionary<string, string?> { ["Station:MaxFrames"] = "240" },
            },
            services => services.AddSingleton<EdgeMobileNet.Station.Outbox.IOutboxStore>(recorded));
        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct).WaitAsync(TimeSpan.FromSeconds(120), ct);
        Assert.Equal(0, host.Services.GetRequiredService<RunState>().ExitCode);

        var events = recorded.Events.Select(StationEvent.Parse).ToArray();
        Assert.Equal(240, events.Length);
        var scene = new ConveyorScene(160, 120, seed: 1, framesPerPart: 4); // the demo's scene
        var wrong = events.Where(e => e.Verdict != (scene.LabelAt(e.FrameSeq) == "red" ? "reject" : "pass")).ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} wrong verdicts, first: frame {wrong.FirstOrDefault()?.FrameSeq} shows {scene.LabelAt(wrong.FirstOrDefault()?.FrameSeq ?? 1)} → {wrong.FirstOrDefault()?.Label}/{wrong.FirstOrDefault()?.Verdict}");
        Assert.Contains(events, e => e.Verdict == "reject");
        Assert.Equal(ColourDemoPalette.Labels.Order(), events.Select(e => e.Label).Distinct().Order());
    }
}
