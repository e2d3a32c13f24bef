using System.Device.Gpio;
using System.Globalization;
using EdgeMobileNet.Station.Gpio;
using EdgeMobileNet.Station.Hosting;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeMobileNet.Station.Tests.EndToEnd;

/// <summary>The whole station in process with the simulated GPIO driver: bouncing trigger edges in, pulses out.</summary>
public sealed class GpioTriggerTests
{
    private const int RejectPin = 17;
    private const int PassPin = 18;
    // The gate sits downstream: the delay covers classification (pulses for successive parts may be pending at once).
    private const int DelayMs = 150;
    private const int PulseMs = 15;

    [Fact]
    public async Task Hundred_bouncing_edges_give_hundred_classifications_and_the_right_pulses()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        using var host = StationHost.Build(new StationLaunch
        {
            ConfigArgs =
            [
                .. TestModels.DemoArgs,
                "--Station:Id", "gpio1",
                "--Mqtt:Port", port.ToString(CultureInfo.InvariantCulture),
                "--Source:Kind", "synthetic", "--Source:Rate", "100",
                "--Trigger:Kind", "gpio", "--Trigger:Pin", "4", "--Trigger:Edge", "rising", "--Trigger:Pull", "down", "--Trigger:DebounceMs", "5",
                "--Decision:Rules:0:Class", "red", "--Decision:Rules:0:Verdict", "reject", "--Decision:Default", "pass",
                "--Outputs:0:Pin", $"{RejectPin}", "--Outputs:0:Verdict", "reject", "--Outputs:0:DelayMs", $"{DelayMs}", "--Outputs:0:PulseMs", $"{PulseMs}",
                "--Outputs:1:Pin", $"{PassPin}", "--Outputs:1:Verdict", "pass", "--Outputs:1:DelayMs", $"{DelayMs}", "--Outputs:1:PulseMs", $"{PulseMs}",
                "--Gpio:Driver", "simulated",
            ],
        });
        await host.StartAsync(ct);
        var driver = host.Services.GetRequiredService<SimulatedGpioDriver>();
        await using var recorder = await MqttRecorder.StartAsync(port, "edgemobilenet/gpio1/event");

        var time = TimeProvider.System;
        var edges = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            edges.Add(time.GetTimestamp());
            // Bounce transitions back to back: with real timers a 1 ms gap can stretch past the debounce time on a
            // busy machine, which would rightly count as a second press. Timed bounce is covered with a fake clock.
            await driver.BounceToAsync(4, PinValue.High, bounces: 3, TimeSpan.Zero, ct);
            await Task.Delay(15, ct);
            await driver.BounceToAsync(4, PinValue.Low, bounces: 3, TimeSpan.Zero, ct);
            await Task.Delay(45, ct);
        }

        var counters = host.Services.GetRequiredService<RunState>().Counters;
        Assert.True(
            await recorder.WaitForAsync(r => r.Messages.Count >= 100, TimeSpan.FromSeconds(30)),
            $"{recorder.Messages.Count} events, {counters.Triggers} triggers, {counters.Classified} classified");
        await Task.Delay(300, ct); // anything extra would show up now
        await host.StopAsync(ct);

        var events = recorder.Payloads("edgemobilenet/gpio1/event").Select(StationEvent.Parse).ToArray();
        Assert.Equal(100, events.Length);
        Assert.Equal(100, counters.Classified);
        Assert.Equal(100, counters.Triggers);
        Assert.All(events, e => Assert.Equal("gpio", e.Trigger));

        var history = driver.History;
        var pulses = new Dictionary<int, List<(long Start, long End)>> { [RejectPin] = Pulses(history, RejectPin), [PassPin] = Pulses(history, PassPin) };
        Assert.Equal(events.Count(e => e.Verdict == "reject"), pulses[RejectPin].Count);
        Assert.Equal(events.Count(e => e.Verdict == "pass"), pulses[PassPin].Count);
        Assert.True(pulses[RejectPin].Count > 0 && pulses[PassPin].Count > 0, "the scene should produce both verdicts");

        var lateness = new List<double>();
        var next = new Dictionary<int, int> { [RejectPin] = 0, [PassPin] = 0 };
        for (var k = 0; k < 100; k++)
        {
            var pin = events[k].Verdict == "reject" ? RejectPin : PassPin;
            var (start, end) = pulses[pin][next[pin]++];
            var delay = time.GetElapsedTime(edges[k], start).TotalMilliseconds;
            var width = time.GetElapsedTime(start, end).TotalMilliseconds;
            Assert.True(delay >= DelayMs - 0.5 && delay <= DelayMs + 50, $"edge {k}: pulse {delay:0.0} ms after the edge");
            lateness.Add(delay - DelayMs);
            Assert.True(width >= PulseMs - 0.5 && width <= PulseMs + 50, $"edge {k}: pulse {width:0.0} ms wide");
        }

        lateness.Sort();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"edge → pulse start minus the configured delay, ms: p50 {lateness[49]:0.00}, p99 {lateness[98]:0.00}, max {lateness[^1]:0.00}"));
        Assert.Equal(PinValue.Low, driver.Level(RejectPin));
        Assert.Equal(PinValue.Low, driver.Level(PassPin));
    }

    private static List<(long, long)> Pulses(IReadOnlyList<PinChange> history, int pin)
    {
        var list = new List<(long, long)>();
        long? start = null;
        foreach (var c in history.Where(c => c.Pin == pin))
        {
            if (c.Value == PinValue.High)
            {
                start = c.Timestamp;
            }
            else if (start is { } s)
            {
                list.Add((s, c.Timestamp));
                start = null;
            }
        }

        Assert.Null(start); // no pin left active
        return list;
    }
}
