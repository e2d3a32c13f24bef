using System.Device.Gpio;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

public sealed class FileSourceAndFaultTests
{
    [Fact]
    public async Task A_folder_is_classified_once_in_name_order_then_the_station_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        var images = Directory.EnumerateFiles(TestAssets.Images).Where(f => f.EndsWith(".jpg", StringComparison.Ordinal) || f.EndsWith(".jpeg", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        // file → acceptable class indices (expected, then documented alternatives).
        var expected = File.ReadAllLines(Path.Combine(TestAssets.Images, "expected_labels.tsv"))
            .Skip(1)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 5)
            .ToDictionary(
                f => f[0],
                f => new[] { int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture) }
                    .Concat(System.Text.RegularExpressions.Regex.Matches(f[4], @"(\d+) \(").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
                    .ToArray());
        var events = new RecordingOutbox();
        using var host = InProcessStation.Build(
        [
            .. TestModels.ZooArgs,
            "--Mqtt:Port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), // events go through the outbox
            "--Source:Kind", "files", "--Source:Path", TestAssets.Images, "--Source:Loop", "false",
            "--Source:Rate", "0", "--Source:Lossless", "true",
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
        ], events);
        await host.StartAsync(ct);
        await host.WaitForShutdownAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);

        var received = events.Events.Select(StationEvent.Parse).ToArray();
        Assert.Equal(images.Length, received.Length);
        Assert.True(expected.Count >= 4);
        Assert.Equal(Enumerable.Range(1, images.Length).Select(i => (long)i), received.Select(e => e.FrameSeq));
        for (var i = 0; i < images.Length; i++)
        {
            if (expected.TryGetValue(Path.GetFileName(images[i]), out var accepted))
            {
                Assert.Contains(received[i].Index, accepted);
            }
        }
    }

    [Fact]
    public async Task A_source_fault_drives_outputs_safe_and_exits_with_1()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = TestAssets.NewTempDir();
        var image = Path.Combine(dir, "a.jpg");
        File.Copy(Path.Combine(TestAssets.Images, "cat.jpg"), image);
        var events = new RecordingOutbox();
        using var host = InProcessStation.Build(
        [
            .. TestModels.ZooArgs,
            "--Mqtt:Port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), // events go through the outbox
            "--Source:Kind", "files", "--Source:Path", dir, "--Source:Rate", "2", "--Source:Loop", "true",
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Default", "pass",
            "--Outputs:0:Pin", "27", "--Outputs:0:Verdict", "pass", "--Outputs:0:Mode", "level",
            "--Gpio:Driver", "simulated",
        ], events);
        await host.StartAsync(ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (events.Events.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        File.Delete(image); // the next pass finds no readable image: a source fault
        await host.WaitForShutdownAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);

        var driver = host.Services.GetRequiredService<SimulatedGpioDriver>();
        var run = host.Services.GetRequiredService<RunState>();
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(HealthStatus.Fault, run.Health.Current.Status);
        Assert.Contains("none of the 1 images", run.Health.Current.Reason);
        Assert.NotEmpty(events.Events); // a.jpg was classified …
        Assert.Contains(driver.History, c => c.Pin == 27 && c.Value == PinValue.High); // … and lit the lamp
        Assert.Equal(PinValue.Low, driver.Level(27)); // the fault put it out
    }
}
