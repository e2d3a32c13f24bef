using System.Text;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>What only the disk outbox does: restarts, segment files, recovery from damage.</summary>
[Collection(OutboxProcessesCollection.Name)]
public sealed class SegmentLogOutboxTests : IDisposable
{
    private const string Topic = "edgemobilenet/t/event";
    private static readonly OutboxLimits Limits = new(64 << 20, TimeSpan.FromDays(1));
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Reopening_keeps_waiting_messages_their_ids_and_the_sequence()
    {
        string stream;
        using (var store = Open())
        {
            stream = store.StreamId;
            for (var i = 0; i < 10; i++)
            {
                Append(store);
            }

            await store.FlushAsync(TestContext.Current.CancellationToken);
            store.Remove(1);
            store.Remove(2);
            store.Remove(5); // out of order: 5 comes back after a restart (at least once), 1 and 2 do not
        }

        using (var store = Open())
        {
            Assert.Equal(stream, store.StreamId);
            var all = PeekAll(store);
            Assert.Equal([3L, 4, 5, 6, 7, 8, 9, 10], all.Select(e => e.Sequence));
            Assert.All(all, e => Assert.Equal($"{stream}-{e.Sequence}", Encoding.UTF8.GetString(e.Payload)));
            Assert.Equal(11, Append(store));
        }
    }

    [Fact]
    public async Task Delivered_segments_are_deleted_and_the_sequence_survives_an_empty_outbox()
    {
        using (var store = Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 300; i++)
            {
                Append(store, padding: 60);
                if (i % 50 == 0)
                {
                    await store.FlushAsync(TestContext.Current.CancellationToken);
                }
            }

            await store.FlushAsync(TestContext.Current.CancellationToken);
            Assert.True(Segments().Length > 5, $"{Segments().Length} segments");
            for (long s = 1; s <= 300; s++)
            {
                Assert.True(store.Remove(s));
            }

            await store.FlushAsync(TestContext.Current.CancellationToken);
            Assert.Single(Segments());
            Assert.Equal(0, store.Backlog.Count);
        }

        using (var store = Open(segmentBytes: 4096))
        {
            Assert.Empty(PeekAll(store));
            Assert.Equal(301, Append(store));
        }
    }

    [Fact]
    public async Task Only_committed_messages_are_handed_out()
    {
        using var store = Open(commit: TimeSpan.Zero); // no committer: only FlushAsync commits
        Append(store);
        Append(store);
        Assert.Empty(PeekAll(store));
        Assert.Equal((2L, 0L), (store.Backlog.LastSequence, store.Backlog.DurableSequence));
        await store.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, PeekAll(store).Count);
        Assert.Equal(2, store.Backlog.DurableSequence);
    }

    [Theory]
    [InlineData("half a record")]
    [InlineData("zeros")]
    [InlineData("flipped byte")]
    public void A_torn_or_damaged_tail_is_cut_and_writing_goes_on_after_the_last_good_record(string damage)
    {
        using (var store = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                Append(store);
            }
        }

        var file = Segments().Single();
        var good = new FileInfo(file).Length;
        var bytes = File.ReadAllBytes(file);
        switch (damage)
        {
            case "half a record":
                File.WriteAllBytes(file, [.. bytes, .. bytes.AsSpan(SegmentFormat.HeaderSize + 25, 30)]);
                break;
            case "zeros":
                File.WriteAllBytes(file, [.. bytes, .. new byte[4096]]);
                break;
            default:
                bytes[^3] ^= 0x40; // inside event 5: its CRC fails, so it is cut (and its sequence is free again)
                File.WriteAllBytes(file, bytes);
                break;
        }

        var kept = damage == "flipped byte" ? 4 : 5;
        using (var store = Open())
        {
            Assert.Equal(Enumerable.Range(1, kept).Select(i => (long)i), PeekAll(store).Select(e => e.Sequence));
            Assert.True(new FileInfo(file).Length <= good);
            Assert.Equal(kept + 1, Append(store));
        }

        using (var store = Open())
        {
            Assert.Equal(kept + 1, PeekAll(store).Count);
        }
    }

    [Fact]
    public void Segments_after_a_lost_tail_were_never_committed_and_are_set_aside_so_the_sequence_has_no_gap()
    {
        using (var store = Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 100; i++)
            {
                Append(store, padding: 60);
            }
        }

        var segments = Segments();
        Assert.True(segments.Length >= 3);
        // The second segment loses its last 3 records (never synced), the third survived: a gap that cannot be.
        var second = File.ReadAllBytes(segments[1]);
        var ends = RecordEnds(second);
        File.WriteAllBytes(segments[1], second[..(int)ends[^4]]);
        Assert.True(SegmentFormat.TryParseFileName(Path.GetFileName(segments[2]), out var thirdFirst));

        using var reopened = Open(segmentBytes: 4096);
        var all = PeekAll(reopened);
        Assert.Equal(Enumerable.Range(1, (int)thirdFirst - 4).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(thirdFirst - 3, Append(reopened));
        Assert.Equal(segments.Length - 2, Directory.GetFiles(_dir, "*.uncommitted").Length);
    }

    [Fact]
    public void A_second_process_cannot_open_the_same_outbox()
    {
        using var store = Open();
        var e = Assert.Throws<IOException>(() => Open());
        Assert.Contains("in use by another process", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_name_their_key()
    {
        var errors = OutboxOptionsValidator.Check(new OutboxOptions { Kind = "tape", MaxMegabytes = 0, MaxAgeHours = -1, CommitIntervalMs = 0, SegmentMegabytes = 0, MaxCount = 0 });
        Assert.Equal(
            ["Outbox:Kind", "Outbox:MaxMegabytes", "Outbox:MaxAgeHours", "Outbox:MaxCount", "Outbox:CommitIntervalMs", "Outbox:SegmentMegabytes"],
            errors.Select(e => e.Split(':')[0] + ":" + e.Split(':')[1]));
        Assert.Empty(OutboxOptionsValidator.Check(new OutboxOptions()));
    }

    [Fact]
    public void The_state_directory_comes_from_systemd_then_configuration_then_the_user_state_folder()
    {
        Dictionary<string, string> env = new() { ["STATE_DIRECTORY"] = "/var/lib/edgemobilenet:/var/lib/other", ["XDG_STATE_HOME"] = "/home/u/.state" };
        Assert.Equal("/var/lib/edgemobilenet", StateDirectory.Resolve("/srv/x", k => env.GetValueOrDefault(k)));
        env.Remove("STATE_DIRECTORY");
        Assert.Equal("/srv/x", StateDirectory.Resolve("/srv/x", k => env.GetValueOrDefault(k)));
        Assert.Equal("/home/u/.state/edgemobilenet", StateDirectory.Resolve("", k => env.GetValueOrDefault(k)));
        env.Clear();
        Assert.EndsWith("/.local/state/edgemobilenet", StateDirectory.Resolve("", k => env.GetValueOrDefault(k)));
    }

    /// <summary>The payload is the event id, padded with spaces to make records bigger.</summary>
    private static long Append(IOutboxStore store, int padding = 0) =>
        store.Append(Topic, s => Encoding.UTF8.GetBytes($"{store.StreamId}-{s}" + new string(' ', padding)));

    private static List<OutboxEntry> PeekAll(IOutboxStore store)
    {
        var all = new List<OutboxEntry>();
        store.Peek(0, int.MaxValue, all);
        return all.Select(e => e with { Payload = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Payload).TrimEnd()) }).ToList();
    }

    private static List<long> RecordEnds(byte[] segment)
    {
        var ends = new List<long>();
        var position = SegmentFormat.HeaderSize;
        while (SegmentFormat.TryReadRecord(segment.AsSpan(position), out var r))
        {
            position += r.Length;
            ends.Add(position);
        }

        return ends;
    }

    private SegmentLogOutbox Open(TimeSpan? commit = null, long segmentBytes = 4 << 20) =>
        SegmentLogOutbox.Open(_dir, Limits, TimeProvider.System, NullLogger.Instance, commit ?? TimeSpan.FromMilliseconds(20), segmentBytes);

    private string[] Segments() => Directory.GetFiles(_dir, "seg-*.log").Order(StringComparer.Ordinal).ToArray();
}
