using System.Text.Json;
using EdgeMobileNet.Station.Configuration;
using EdgeMobileNet.Station.Frames;
using EdgeMobileNet.Station.Sinks;
using EdgeMobileNet.Station.State;
using EdgeMobileNet.Station.Tests.EndToEnd;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.HomeAssistant;

/// <summary>Reject snapshots: a retained JPEG on `snapshot/reject` that decodes to the frame, and a ring on disk that
/// keeps its count and byte bounds and names each event.</summary>
public sealed class RejectSnapshotTests
{
    [Fact]
    public async Task The_retained_reject_snapshot_is_a_decodable_jpeg_of_the_frame_and_the_ring_names_the_event()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync();
        var state = TestAssets.NewTempDir();
        var events = new RecordingOutbox();
        using var host = InProcessStation.Build(StationArgs.Demo("snap1", broker.Port, "--Station:StateDir", state, "--Snapshots:MaxCount", "1000"), events);
        await host.StartAsync(ct);
        var sink = host.Services.GetRequiredService<SnapshotSink>();
        Assert.True(await Poll.UntilAsync(() => sink.Written >= 5, TimeSpan.FromSeconds(60)), "fewer than 5 reject snapshots");
        await host.StopAsync(ct);

        // A subscriber arriving later gets the last reject's JPEG, retained.
        await using var late = await MqttRecorder.StartAsync(broker.Port, "edgemobilenet/snap1/snapshot/reject");
        Assert.True(await late.WaitForAsync(r => r.Raw.Count == 1, TimeSpan.FromSeconds(10)), "no retained snapshot");
        var (_, jpeg, retain) = late.Raw[0];
        Assert.True(retain);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        var image = ImageDecoder.Decode(jpeg, "snapshot/reject");
        Assert.Equal((160, 120), (image.Width, image.Height));

        // Each JPEG on disk has its sidecar, which names a reject event the station really sent.
        sink.Dispose(); // the writer finishes what it had queued
        var files = Directory.GetFiles(Path.Combine(state, "snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(sink.Written * 2, files.Length);
        var ids = events.Events.Select(e => JsonDocument.Parse(e).RootElement).Where(e => e.GetProperty("verdict").GetString() == "reject")
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("frame_seq").GetInt64());
        foreach (var sidecar in files.Where(f => f!.EndsWith(".json", StringComparison.Ordinal)))
        {
            var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "snapshots", sidecar!))).RootElement;
            var id = meta.GetProperty("event_id").GetString()!;
            Assert.True(ids.TryGetValue(id, out var frame), $"{sidecar}: no reject event {id}");
            Assert.Equal(frame, meta.GetProperty("frame_seq").GetInt64());
            Assert.Equal("reject", meta.GetProperty("verdict").GetString());
            Assert.Contains(id, sidecar, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(state, "snapshots", meta.GetProperty("file").GetString()!)));
        }

        // The retained one is one of them, byte for byte (the last few written while the station stopped may not have
        // been published).
        Assert.Contains(files.Where(f => f!.EndsWith(".jpg", StringComparison.Ordinal)), f => File.ReadAllBytes(Path.Combine(state, "snapshots", f!)).AsSpan().SequenceEqual(jpeg));
    }

    [Fact]
    public void The_ring_keeps_its_count_and_byte_bounds_oldest_first_also_across_a_reopen()
    {
        var dir = TestAssets.NewTempDir();
        var ring = new SnapshotRing(dir, maxCount: 3, maxBytes: 10_000);
        for (var i = 1; i <= 5; i++)
        {
            ring.Add($"2026120{i}T000000.000Z_reject_f{i:D10}_s-{i}", new byte[1000], new byte[100]);
        }

        Assert.Equal(3, ring.Count);
        Assert.Equal(3300, ring.Bytes);
        Assert.Equal(["f0000000003", "f0000000004", "f0000000005"], Stems(dir));

        // Bytes: 2 500 allowed, 1 100 each: two stay.
        var reopened = new SnapshotRing(dir, maxCount: 10, maxBytes: 2_500);
        Assert.Equal(2, reopened.Count);
        Assert.Equal(["f0000000004", "f0000000005"], Stems(dir));
        reopened.Add("20261209T000000.000Z_reject_f0000000009_s-9", new byte[1000], new byte[100]);
        Assert.Equal(["f0000000005", "f0000000009"], Stems(dir));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        static string[] Stems(string dir) =>
            [.. Directory.GetFiles(dir, "*.jpg").Select(f => Path.GetFileNameWithoutExtension(f).Split('_')[2]).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task A_writer_behind_drops_and_counts_snapshots_and_never_holds_up_the_loop()
    {
        var dir = TestAssets.NewTempDir();
        using var sink = new SnapshotSink(new SnapshotsOptions { QueueLength = 1, Quality = 95 }, dir, "s1", null, NullLogger<SnapshotSink>.Instance);
        var frame = new FrameBuffer();
        var pixels = frame.Prepare(PixelFormat.I420, 1280, 720);
        Random.Shared.NextBytes(pixels); // noise: slow to encode
        var result = new ClassificationResult(1, ["ok", "bad"]) { Index = 1, Score = 0.9f, Verdict = Verdict.Reject, FrameSequence = 1, Time = DateTimeOffset.UtcNow };
        result.Frame = frame;

        for (var i = 0; i < 50; i++)
        {
            result.FrameSequence = i + 1;
            sink.Accept(result);
        }

        Assert.True(await Poll.UntilAsync(() => sink.Written + sink.Dropped == 50, TimeSpan.FromSeconds(120)));
        // A hand-over that waited for the writer would never drop: drops show the loop went on at once.
        Assert.True(sink.Dropped > 0, "nothing dropped: the queue did not bound the work");
        Assert.True(sink.Written >= 1);
        Assert.Equal(0, sink.Failed);
    }

    [Fact]
    public async Task Rejects_are_published_and_stored_unknowns_only_stored_with_Snapshots_Unknown_and_passes_neither()
    {
        var dir = TestAssets.NewTempDir();
        var notices = new Station.Mqtt.MqttNotices();
        using var sink = new SnapshotSink(new SnapshotsOptions { Unknown = true, QueueLength = 8 }, dir, "s1", notices, NullLogger<SnapshotSink>.Instance);
        var frame = new FrameBuffer();
        frame.Prepare(PixelFormat.GRAY8, 64, 48).Fill(200);
        var result = new ClassificationResult(1, ["ok", "bad"]) { Index = 1, Score = 0.9f, Time = DateTimeOffset.UtcNow };
        result.Frame = frame;
        foreach (var (verdict, seq) in new[] { (Verdict.Pass, 1L), (Verdict.Unknown, 2L), (Verdict.Reject, 3L) })
        {
            result.Verdict = verdict;
            result.FrameSequence = seq;
            result.EventId = $"abc-{seq}";
            sink.Accept(result);
        }

        Assert.True(await Poll.UntilAsync(() => sink.Written == 2, TimeSpan.FromSeconds(30)));
        Assert.Equal(["reject_f0000000003_abc-3.jpg", "unknown_f0000000002_abc-2.jpg"],
            Directory.GetFiles(dir, "*.jpg").Select(f => Path.GetFileName(f)["yyyyMMddTHHmmss.fffZ_".Length..]).Order(StringComparer.Ordinal));
        Assert.True(notices.TryTake(out var notice));
        Assert.Equal(("edgemobilenet/s1/snapshot/reject", true), (notice.Topic, notice.Retain));
        var image = ImageDecoder.Decode(notice.Payload, "snapshot");
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.InRange(image.Pixels[0], 190, 210); // the grey frame, through the JPEG
        Assert.False(notices.TryTake(out _)); // the unknown was not published
    }

    [Fact]
    public async Task A_snapshot_folder_that_cannot_be_written_degrades_the_station_with_the_reason_and_the_line_goes_on()
    {
        var blocker = Path.Combine(TestAssets.NewTempDir(), "snapshots");
        File.WriteAllText(blocker, "a file where the folder should be");
        var health = new StationHealth(TimeProvider.System);
        health.Started();
        using var sink = new SnapshotSink(new SnapshotsOptions(), blocker, "s1", null, NullLogger<SnapshotSink>.Instance, health);
        var frame = new FrameBuffer();
        frame.Prepare(PixelFormat.RGB24, 32, 24);
        var result = new ClassificationResult(1, ["ok", "bad"]) { Index = 1, Score = 0.9f, Verdict = Verdict.Reject, Time = DateTimeOffset.UtcNow };
        result.Frame = frame;

        sink.Accept(result);

        Assert.True(await Poll.UntilAsync(() => sink.Failed == 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(HealthStatus.Degraded, health.Current.Status);
        Assert.StartsWith($"snapshots cannot be written to {blocker}: ", health.Current.Reason, StringComparison.Ordinal);
        Assert.Equal(0, sink.Written);
    }
}
