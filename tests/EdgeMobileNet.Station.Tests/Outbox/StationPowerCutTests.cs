using System.Globalization;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>A power cut of the whole station: its state directory copied as it is while the station writes events at
/// full rate (files copied one after the other, the active segment growing meanwhile, so its copy may end mid-record),
/// the station then killed with kill -9; in the copy, what was written after the known durable point is damaged as a
/// power cut may (cut at a random point, zeros or garbage, newer segments gone, cut or kept); then a new station is
/// started on the copy.</summary>
[Collection(OutboxProcessesCollection.Name)]
public sealed class StationPowerCutTests : IDisposable
{
    private const string Topic = "edgemobilenet/cut1/event";
    private readonly string _state = TestAssets.NewTempDir();
    private readonly string _copy = TestAssets.NewTempDir();

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_copy, recursive: true);
    }

    [Fact]
    public async Task A_station_started_on_a_copy_taken_mid_write_delivers_every_event_that_was_durable_at_the_copy()
    {
        long durable;
        List<long> before;
        string stream;
        await using (var broker = await MosquittoBroker.StartAsync())
        await using (var recorder = await MqttRecorder.StartAsync(broker.Port, Topic))
        using (var station = Start(_state, broker.Port, maxFrames: 0))
        {
            Assert.True(await recorder.WaitForAsync(r => r.Payloads(Topic).Count >= 300 || station.HasExited, TimeSpan.FromSeconds(90)) && !station.HasExited, "no events\n" + station.Stderr);

            // The station publishes only committed (fdatasync'ed) events, so the newest event received before the
            // copy starts is a lower bound of the durable point at the instant of the copy.
            var received = recorder.Payloads(Topic).Select(StationEvent.Parse).ToList();
            stream = received[0].Id[..received[0].Id.LastIndexOf('-')];
            before = [.. received.Select(e => e.Number)];
            durable = before.Max();
            CopyFolder(Path.Combine(_state, "outbox"), Path.Combine(_copy, "outbox"));
            station.KillHard();
            await station.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        // The page cache the copy read may hold more than the disk would after a power cut: lose it.
        var seed = Environment.TickCount;
        var damage = OutboxCrashTests.LoseUncommitted(Path.Combine(_copy, "outbox"), durable, new Random(seed));

        // The copy opens (a torn tail is cut off) and holds every durable event not yet acknowledged.
        var (waiting, first, last) = Inspect(Path.Combine(_copy, "outbox"));
        Assert.True(last >= durable, $"the copy ends at {last}, before the durable point {durable} ({damage}, seed {seed})");

        // A new station on the copy, with a new broker: what it delivers plus what the first run delivered before the
        // copy covers 1..durable without a gap, in the same stream, and nothing stays behind.
        await using var broker2 = await MosquittoBroker.StartAsync();
        await using var recorder2 = await MqttRecorder.StartAsync(broker2.Port, Topic);
        using (var restarted = Start(_copy, broker2.Port, maxFrames: 10, drainMs: 30_000))
        {
            var code = await restarted.WaitForExitAsync(TimeSpan.FromSeconds(120));
            Assert.True(code == 0, $"exit {code}\n{restarted.Stderr}");
        }

        Assert.True(await recorder2.WaitForAsync(r => r.Payloads(Topic).Count >= waiting + 10, TimeSpan.FromSeconds(30)), $"{recorder2.Payloads(Topic).Count} of {waiting + 10} arrived");
        var after = recorder2.Payloads(Topic).Select(StationEvent.Parse).ToList();
        Assert.All(after, e => Assert.StartsWith(stream + "-", e.Id, StringComparison.Ordinal));
        var missing = Enumerable.Range(1, (int)durable).Select(i => (long)i).Except(before).Except(after.Select(e => e.Number)).ToList();
        Assert.True(missing.Count == 0, $"lost {missing.Count} durable events, first {missing.FirstOrDefault()} (durable {durable}, copy waiting {first}..{last}; {damage}, seed {seed})");
        // The restarted station continues the sequence after the copy's last event.
        Assert.Equal(Enumerable.Range(1, 10).Select(i => last + i), after.Select(e => e.Number).Where(n => n > last).Distinct().Order());
        Assert.Equal(0, Inspect(Path.Combine(_copy, "outbox")).Waiting);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"durable at the copy >= {durable}; {damage}; copy then held {waiting} waiting ({first}..{last}); restarted station delivered {after.Count}");
    }

    /// <summary>Copies files one by one as they are now (a crash-consistent image would be one instant; this is
    /// harsher for the active segment, copied while it grows).</summary>
    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        // `lock` is only the running station's flock (empty); a new station makes its own.
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != "lock").Order(StringComparer.Ordinal))
        {
            try
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
            catch (FileNotFoundException)
            {
                // A delivered segment deleted meanwhile: as if deleted before the instant (its trim mark is newer).
            }
        }
    }

    private static (long Waiting, long First, long Last) Inspect(string dir)
    {
        using var store = SegmentLogOutbox.Open(dir, new OutboxLimits(1L << 30, TimeSpan.FromDays(1)), TimeProvider.System, NullLogger.Instance);
        var b = store.Backlog;
        List<OutboxEntry> head = [];
        store.Peek(0, 1, head);
        return (b.Count, head.Count > 0 ? head[0].Sequence : 0, b.LastSequence);
    }

    private static ChildProcess Start(string state, int port, int maxFrames, int drainMs = 1000) => StationProcess.Start(
        [
            "run", .. TestModels.ZooArgs,
            "--station-id", "cut1",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", port.ToString(CultureInfo.InvariantCulture),
            "--max-frames", maxFrames.ToString(CultureInfo.InvariantCulture),
            "--Mqtt:DrainTimeoutMs", drainMs.ToString(CultureInfo.InvariantCulture),
            "--Source:Kind", "synthetic", "--Source:Rate", "0",
            "--Trigger:Kind", "continuous", "--Trigger:Rate", "0",
            "--Decision:Default", "pass",
            "--Gpio:Driver", "simulated",
        ],
        new Dictionary<string, string> { ["STATE_DIRECTORY"] = state });
}
