using System.Globalization;
using EdgeMobileNet.Station.Models;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Triggers;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Models;

/// <summary>Twenty swaps between two real models while triggers arrive as fast as the station classifies: every
/// trigger gets exactly one event, each event comes from one model (its hash matches its labels), and the loop's
/// pause for each swap is printed (measured, not asserted: the machine may be loaded).</summary>
public sealed class SwapUnderLoadTests
{
    private const int Swaps = 20;
    private const int Outstanding = 4;

    [Fact]
    public async Task Twenty_swaps_during_full_rate_classification_lose_no_trigger_and_mix_no_models()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = TestAssets.NewTempDir();
        var tv = ModelSwapTests.TorchvisionWithLabels(dir);
        var tvSha = ModelFiles.Sha256(tv);
        var zooSha = ModelFiles.Sha256(TestAssets.ZooInt8);
        await using var station = await SwapStation.StartAsync("load1", Path.Combine(dir, "state"), null, "--Trigger:Kind", "mqtt");
        var queue = station.Host.Services.GetRequiredService<TriggerQueue>();
        var run = station.Host.Services.GetRequiredService<RunState>();

        // Triggers at full rate: a few always waiting, so the loop never idles and a swap always lands between two
        // queued classifications.
        long fired = 0;
        using var stop = new CancellationTokenSource();
        var firing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (Interlocked.Read(ref fired) - run.Counters.Classified < Outstanding)
                {
                    Assert.True(queue.Fire("mqtt"), "trigger queue full");
                    Interlocked.Increment(ref fired);
                }
                else
                {
                    await Task.Delay(1, CancellationToken.None);
                }
            }
        }, CancellationToken.None);

        // The first model classifies before the first swap (else it would leave no event to tell it by).
        await station.WaitForEventsAsync(_ => run.Counters.Classified >= 3, TimeSpan.FromSeconds(60));
        var pauses = new List<double>();
        for (var i = 0; i < Swaps; i++)
        {
            var source = i % 2 == 0 ? new ModelSource(tv, null, tvSha, "test") : new ModelSource(TestAssets.ZooInt8, null, zooSha, "test");
            var outcome = await station.Deployer.DeployAsync(source, null, ct);
            Assert.True(outcome.Swapped, outcome.Reason);
            pauses.Add(outcome.PauseMs);
            // Let the new model classify a few frames before the next swap.
            var after = run.Counters.Classified;
            await station.WaitForEventsAsync(_ => run.Counters.Classified >= after + 3, TimeSpan.FromSeconds(60));
        }

        await stop.CancelAsync();
        await firing;
        var total = Interlocked.Read(ref fired);
        await station.WaitForEventsAsync(e => e.Count >= total, TimeSpan.FromSeconds(60));

        var events = station.Parsed();
        Assert.Equal(total, events.Count);
        Assert.Equal(total, run.Counters.Triggers);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long)n), events.Select(e => e.Number));
        // Triggers fired within one frame period share the next frame; never an older one.
        Assert.All(events.Zip(events.Skip(1)), p => Assert.True(p.Second.FrameSeq >= p.First.FrameSeq, "frames out of order"));
        foreach (var e in events)
        {
            Assert.Contains(e.Sha256, new[] { zooSha, tvSha });
            Assert.All(e.TopLabels, l => Assert.Equal(e.Sha256 == tvSha, l.StartsWith("tv:", StringComparison.Ordinal)));
        }

        var transitions = events.Zip(events.Skip(1)).Count(p => p.First.Sha256 != p.Second.Sha256);
        var runs = string.Join(" ", events.Select(e => e.Sha256[..4]).Aggregate(new List<(string Sha, int Count)>(), (list, sha) =>
        {
            if (list.Count > 0 && list[^1].Sha == sha)
            {
                list[^1] = (sha, list[^1].Count + 1);
            }
            else
            {
                list.Add((sha, 1));
            }

            return list;
        }).Select(r => $"{r.Sha}x{r.Count}"));
        Assert.True(transitions == Swaps, $"{transitions} model changes in the events for {Swaps} swaps: {runs}; pauses {string.Join(",", pauses)}");

        // Two figures, printed for docs/BENCHMARKS.md: the loop's pause for the reference swap itself, and the time
        // between the last classification of the old model and the first of the new one next to the usual time
        // between two classifications (the new model's first run, and a machine busy loading it, show there).
        var gaps = events.Zip(events.Skip(1)).Select(p => (p.Second.Ts - p.First.Ts).TotalMilliseconds).ToList();
        var swapGaps = events.Zip(events.Skip(1)).Where(p => p.First.Sha256 != p.Second.Sha256).Select(p => (p.Second.Ts - p.First.Ts).TotalMilliseconds).ToList();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{Swaps} swaps during full-rate classification ({total} triggers, {events.Count} events, none lost): loop pause for the swap p50 {Percentile(pauses, 0.5):0.0000} ms, p99 {Percentile(pauses, 0.99):0.0000} ms; classification interval across a swap p50 {Percentile(swapGaps, 0.5):0.0} ms, p99 {Percentile(swapGaps, 0.99):0.0} ms; all intervals p50 {Percentile(gaps, 0.5):0.0} ms, p99 {Percentile(gaps, 0.99):0.0} ms");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
