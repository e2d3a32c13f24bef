using System.Globalization;
using System.Text.RegularExpressions;
using EdgeMobileNet.Station.Outbox;
using EdgeMobileNet.Tests.Common;
using Xunit;

namespace EdgeMobileNet.Station.Tests.Outbox;

/// <summary>
/// Crash safety of the disk outbox at the storage level, with a writer process appending as fast as it can (and
/// removing what lags 2000 behind, so trims and segment deletion happen too):
/// <list type="bullet">
/// <item>kill -9 at random points: every event reported written (its write call returned) is there after reopening,
/// in order, contiguous, intact, and the sequence continues;</item>
/// <item>a power cut, simulated by copying the folder while writes are in flight and then damaging what was not yet
/// committed (the tail after the last committed record cut at a random point and filled with garbage or zeros, newer
/// segments removed, cut or kept): every event reported durable is there, contiguous, and the store opens.</item>
/// </list>
/// </summary>
[Collection(OutboxProcessesCollection.Name)]
public sealed partial class OutboxCrashTests : IDisposable
{
    private const int Rounds = 6;
    private readonly string _dir = TestAssets.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Writer => Path.Combine(AppContext.BaseDirectory, "EdgeMobileNet.OutboxCrash");

    private static string[] WriterArgs(string dir) =>
        ["write", "--dir", dir, "--remove-lag", "2000", "--segment-kb", "512", "--max-mb", "4096", "--commit-ms", "20"];

    [Fact]
    public async Task Kill_9_at_random_points_loses_no_written_event()
    {
        var store = Path.Combine(_dir, "kill9");
        var random = new Random(Environment.TickCount);
        string? stream = null;
        long previousLast = 0;
        long previousFirst = 1;
        var report = new List<string>();
        for (var round = 1; round <= Rounds; round++)
        {
            using var writer = ChildProcess.Start(Writer, WriterArgs(store));
            await WaitForAsync(writer, "written");
            await Task.Delay(random.Next(50, 700), TestContext.Current.CancellationToken);
            writer.KillHard();
            await writer.WaitForExitAsync(TimeSpan.FromSeconds(10));
            var output = writer.Stdout;
            var written = Last(output, "written");
            // Removed in this round, or gone before it.
            var removed = Math.Max(Last(output, "removed"), previousFirst - 1);
            var firstWritten = First(output, "written");
            Assert.True(written > 0, writer.Stderr);

            var (first, last, count, id) = await VerifyAsync(store);
            report.Add($"round {round}: written {written}, removed {removed}, reopened {first}..{last} ({count})");
            Assert.True(last >= written, $"round {round}: written up to {written}, reopened up to {last}");
            Assert.True(first <= removed + 1, $"round {round}: only {removed} removed, reopened from {first}");
            Assert.True(count == last - first + 1, $"round {round}: {count} events in {first}..{last}");

            // The sequence went on from where the previous round (plus verify's one append) stopped.
            Assert.True(firstWritten > previousLast, $"round {round}: sequence restarted at {firstWritten} after {previousLast}");
            stream ??= id;
            Assert.Equal(stream, id);
            previousLast = last + 1;
            previousFirst = first;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', report));
    }

    [Fact]
    public async Task A_power_cut_keeps_every_event_committed_before_it()
    {
        var live = Path.Combine(_dir, "live");
        var random = new Random(Environment.TickCount);
        using var writer = ChildProcess.Start(Writer, WriterArgs(live));
        await WaitForAsync(writer, "durable");
        var report = new List<string>();
        for (var round = 1; round <= Rounds; round++)
        {
            await Task.Delay(random.Next(50, 400), TestContext.Current.CancellationToken);
            var before = writer.Stdout;
            var durable = Last(before, "durable");
            var removed = Last(before, "removed");
            var copy = Path.Combine(_dir, $"cut{round}");
            CopyWhileWriting(live, copy);
            // A file-by-file copy is no snapshot: a writer flat out may delete the segment holding the durable event
            // (everything in it delivered) between reading its report and copying. A disk at a power cut never shows
            // that; take the copy again.
            for (var retry = 0; !Holds(copy, durable); retry++)
            {
                Assert.True(retry < 20, $"cut {round}: 20 copies in a row missed the segment holding {durable}");
                Directory.Delete(copy, recursive: true);
                before = writer.Stdout;
                durable = Last(before, "durable");
                CopyWhileWriting(live, copy);
            }

            // What may be gone from the copy: everything announced as removed by the time the copy was complete.
            var removedByCopy = Last(writer.Stdout, "removed");
            var damage = LoseUncommitted(copy, durable, random);

            var (first, last, count, _) = await VerifyAsync(copy);
            report.Add($"cut {round}: durable {durable}, removed {removed} (by the end of the copy {removedByCopy}); {damage}; reopened {first}..{last} ({count})");
            Assert.True(last >= durable, $"cut {round}: durable up to {durable}, reopened up to {last} ({damage})");
            Assert.True(first <= removedByCopy + 1, $"cut {round}: only {removedByCopy} removed by the end of the copy, reopened from {first}");
            Assert.True(count == last - first + 1, $"cut {round}: {count} events in {first}..{last}");
            Directory.Delete(copy, recursive: true);
        }

        Assert.False(writer.HasExited, writer.Stderr);
        writer.KillHard();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', report));
    }

    /// <summary>The state folder as a copy would see it at this instant, oldest segment first (the writer keeps
    /// appending, may start a new segment or delete an old one meanwhile).</summary>
    private static void CopyWhileWriting(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "seg-*.log").Order(StringComparer.Ordinal))
        {
            try
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
            catch (FileNotFoundException)
            {
                // Deleted (fully delivered) between listing and copying.
            }
        }
    }

    /// <summary>True when the copy has the segment holding event <paramref name="durable"/> with that event in it.</summary>
    private static bool Holds(string dir, long durable)
    {
        var files = Directory.GetFiles(dir, "seg-*.log").Order(StringComparer.Ordinal).ToList();
        var holder = files.FindLastIndex(f => SegmentFormat.TryParseFileName(Path.GetFileName(f), out var firstSeq) && firstSeq <= durable);
        return holder >= 0 && EndOf(File.ReadAllBytes(files[holder]), durable) > 0;
    }

    /// <summary>What a power cut may do to data written after the last commit: the segment holding the last durable
    /// event is cut at a random point after it and filled with garbage or zeros; newer segments vanish, are cut, or
    /// stay.</summary>
    internal static string LoseUncommitted(string dir, long durable, Random random)
    {
        var files = Directory.GetFiles(dir, "seg-*.log").Order(StringComparer.Ordinal).ToList();
        var holder = files.FindLastIndex(f => SegmentFormat.TryParseFileName(Path.GetFileName(f), out var firstSeq) && firstSeq <= durable);
        Assert.True(holder >= 0, $"no segment holds {durable}");
        var data = File.ReadAllBytes(files[holder]);
        var end = EndOf(data, durable);
        Assert.True(end > 0, $"{Path.GetFileName(files[holder])} does not hold {durable}");
        var cut = end + random.Next(0, Math.Max(1, data.Length - end + 1));
        var fill = random.Next(3) switch { 0 => "nothing", 1 => "zeros", _ => "garbage" };
        using (var f = new FileStream(files[holder], FileMode.Open, FileAccess.Write))
        {
            f.SetLength(cut);
            f.Seek(0, SeekOrigin.End);
            var junk = new byte[random.Next(1, 9000)];
            if (fill == "garbage")
            {
                random.NextBytes(junk);
            }

            if (fill != "nothing")
            {
                f.Write(junk);
            }
        }

        var newer = new List<string>();
        foreach (var later in files.Skip(holder + 1))
        {
            switch (random.Next(3))
            {
                case 0:
                    File.Delete(later);
                    newer.Add("gone");
                    break;
                case 1:
                    using (var f = new FileStream(later, FileMode.Open, FileAccess.Write))
                    {
                        f.SetLength(random.Next(0, (int)Math.Min(f.Length, int.MaxValue) + 1));
                    }

                    newer.Add("cut");
                    break;
                default:
                    newer.Add("kept");
                    break;
            }
        }

        var fates = string.Join(", ", newer.GroupBy(n => n).Select(g => $"{g.Count()} {g.Key}"));
        return $"{Path.GetFileName(files[holder])} cut {cut - end} bytes after {durable} + {fill}; newer segments: {(fates.Length > 0 ? fates : "none")}";
    }

    /// <summary>Offset just after the record of event <paramref name="sequence"/> in a segment file, or 0.</summary>
    private static int EndOf(byte[] segment, long sequence)
    {
        var position = SegmentFormat.HeaderSize;
        while (SegmentFormat.TryReadRecord(segment.AsSpan(position), out var r))
        {
            position += r.Length;
            if (r.Type == SegmentFormat.EventType && r.A == sequence)
            {
                return position;
            }
        }

        return 0;
    }

    private static async Task<(long First, long Last, long Count, string Stream)> VerifyAsync(string dir)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Writer, ["verify", "--dir", dir], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"verify {dir}: exit {code}\n{stdout}\n{stderr}");
        var m = OpenLine().Match(stdout);
        Assert.True(m.Success, stdout);
        return (Number(m.Groups[1].Value), Number(m.Groups[2].Value), Number(m.Groups[3].Value), m.Groups[4].Value);
    }

    private static async Task WaitForAsync(ChildProcess writer, string word)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!writer.Stdout.Contains(word + " ", StringComparison.Ordinal))
        {
            Assert.False(writer.HasExited, $"writer exited: {writer.Stderr}");
            Assert.True(DateTime.UtcNow < deadline, $"writer printed no '{word}' in 30 s: {writer.Stderr}");
            await Task.Delay(20);
        }
    }

    private static long Last(string output, string word)
    {
        var at = output.LastIndexOf("\n" + word + " ", StringComparison.Ordinal);
        return at < 0 ? 0 : Number(output.AsSpan(at + word.Length + 2).ToString().Split('\n')[0]);
    }

    private static long First(string output, string word)
    {
        var m = Regex.Match(output, $"^{word} (\\d+)", RegexOptions.Multiline);
        return m.Success ? Number(m.Groups[1].Value) : 0;
    }

    private static long Number(string text) => long.Parse(text.Trim(), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"open first=(\d+) last=(\d+) count=(\d+) stream=([0-9a-f]{12})")]
    private static partial Regex OpenLine();
}
