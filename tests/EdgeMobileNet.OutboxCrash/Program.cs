using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using EdgeMobileNet.Station.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// write: appends events as fast as possible (or at --rate per second) and reports, one line each:
//   "stream S"            the store's stream id, once
//   "written N"           every event up to N was appended (write call returned): must survive kill -9 (every 64)
//   "durable N"           every event up to N was committed (fdatasync returned): must survive a power cut
//   "removed N"           printed before events up to N are removed as delivered: they may be gone after reopening
// verify: opens the store, checks it and prints "open first=F last=L count=C stream=S", or one line naming the
//   first problem and exit code 1.
// bench: events/s committed and bytes written per event (docs/BENCHMARKS.md).
var culture = CultureInfo.InvariantCulture;
try
{
    var verb = args.Length > 0 ? args[0] : "";
    var options = Options.Parse(args.Skip(1).ToArray());
    return verb switch
    {
        "write" => await WriteAsync(options),
        "verify" => Verify(options),
        "bench" => await BenchAsync(options),
        _ => Usage($"unknown verb '{verb}' (write, verify, bench)"),
    };
}
catch (ArgumentException ex)
{
    return Usage(ex.Message);
}

static int Usage(string message)
{
    Console.Error.WriteLine($"outbox-crash: {message}");
    return 2;
}

static byte[] Payload(string stream, long sequence, int size)
{
    var head = Encoding.UTF8.GetBytes($"{{\"id\":\"{stream}-{sequence}\",\"pad\":\"");
    var payload = new byte[Math.Max(size, head.Length + 2)];
    head.CopyTo(payload, 0);
    payload.AsSpan(head.Length, payload.Length - head.Length - 2).Fill((byte)('a' + (int)(sequence % 26)));
    payload[^2] = (byte)'"';
    payload[^1] = (byte)'}';
    return payload;
}

static SegmentLogOutbox OpenStore(Options o, TimeSpan? commit = null, ILogger? logger = null) => SegmentLogOutbox.Open(
    o.Dir,
    new OutboxLimits(o.MaxBytes, TimeSpan.FromDays(365)),
    TimeProvider.System,
    logger ?? NullLogger.Instance,
    commit ?? TimeSpan.FromMilliseconds(o.CommitMs),
    o.SegmentBytes);

async Task<int> WriteAsync(Options o)
{
    using var store = OpenStore(o);
    var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
    stdout.WriteLine($"stream {store.StreamId}");
    stdout.Flush();
    var stream = store.StreamId;
    var durable = store.Backlog.DurableSequence;
    var removed = store.Backlog.LastSequence - store.Backlog.Count;
    var interval = o.Rate > 0 ? TimeSpan.FromSeconds(1 / o.Rate) : TimeSpan.Zero;
    var clock = Stopwatch.StartNew();
    for (long n = 1; o.Events == 0 || n <= o.Events; n++)
    {
        if (interval > TimeSpan.Zero)
        {
            var due = interval * n;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }

        var sequence = store.Append("edgemobilenet/crash/event", s => Payload(stream, s, o.PayloadBytes));
        var backlog = store.Backlog;
        if (backlog.DurableSequence != durable)
        {
            stdout.WriteLine($"written {sequence}");
            durable = backlog.DurableSequence;
            stdout.WriteLine($"durable {durable}");
            // Deliver (remove) what lags far enough behind, so trims and segment deletion happen under the crash too.
            if (o.RemoveLag > 0 && durable - o.RemoveLag > removed)
            {
                var upTo = durable - o.RemoveLag;
                stdout.WriteLine($"removed {upTo}");
                stdout.Flush();
                for (var s = removed + 1; s <= upTo; s++)
                {
                    store.Remove(s);
                }

                removed = upTo;
            }

            stdout.Flush();
        }
        else if (n % 64 == 0)
        {
            stdout.WriteLine($"written {sequence}");
            stdout.Flush();
        }
    }

    await store.FlushAsync(CancellationToken.None);
    stdout.WriteLine($"durable {store.Backlog.DurableSequence}");
    stdout.Flush();
    return 0;
}

int Verify(Options o)
{
    using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
    using var store = OpenStore(o, TimeSpan.Zero, loggerFactory.CreateLogger("outbox"));
    var backlog = store.Backlog;
    var entries = new List<OutboxEntry>();
    store.Peek(0, int.MaxValue, entries);
    if (entries.Count != backlog.Count)
    {
        Console.WriteLine($"problem: backlog says {backlog.Count}, peek returned {entries.Count}");
        return 1;
    }

    for (var i = 0; i < entries.Count; i++)
    {
        var e = entries[i];
        if (i > 0 && e.Sequence != entries[i - 1].Sequence + 1)
        {
            Console.WriteLine($"problem: sequence {entries[i - 1].Sequence} followed by {e.Sequence}");
            return 1;
        }

        if (!e.Payload.AsSpan().SequenceEqual(Payload(store.StreamId, e.Sequence, o.PayloadBytes)))
        {
            Console.WriteLine($"problem: payload of {e.Sequence} differs");
            return 1;
        }
    }

    var first = entries.Count > 0 ? entries[0].Sequence : backlog.LastSequence + 1;
    // The sequence continues after the newest event on disk.
    var next = store.Append("edgemobilenet/crash/event", s => Payload(store.StreamId, s, o.PayloadBytes));
    if (next != backlog.LastSequence + 1)
    {
        Console.WriteLine($"problem: next sequence {next} after last {backlog.LastSequence}");
        return 1;
    }

    Console.WriteLine($"open first={first} last={backlog.LastSequence} count={entries.Count} stream={store.StreamId}");
    return 0;
}

async Task<int> BenchAsync(Options o)
{
    Console.WriteLine($"outbox bench: {Environment.ProcessorCount} cores, {o.PayloadBytes}-byte payloads, commit every {o.CommitMs} ms, segments {o.SegmentBytes >> 20} MiB, folder {o.Dir}");

    // 1. Throughput: append as fast as possible; committed = durable (fdatasync returned).
    Directory.CreateDirectory(o.Dir);
    var events = o.Events > 0 ? o.Events : 200_000;
    using (var store = OpenStore(o))
    {
        var io0 = WriteBytes();
        var clock = Stopwatch.StartNew();
        long last = 0;
        for (var n = 0; n < events; n++)
        {
            last = store.Append("edgemobilenet/bench/event", s => Payload(store.StreamId, s, o.PayloadBytes));
        }

        var appended = clock.Elapsed;
        await store.FlushAsync(CancellationToken.None);
        var committed = clock.Elapsed;
        var io = WriteBytes() - io0;
        Console.WriteLine(string.Create(culture, $"burst: {events} events appended in {appended.TotalSeconds:F2} s ({events / appended.TotalSeconds:F0}/s), committed after {committed.TotalSeconds:F2} s: {events / committed.TotalSeconds:F0} events/s committed; {io / (double)events:F0} bytes written per event (/proc/self/io), {FolderBytes(o.Dir) / (double)events:F0} on disk per event, last sequence {last}"));
    }

    Directory.Delete(o.Dir, recursive: true);
    Directory.CreateDirectory(o.Dir);

    // 2. The station's pace: --rate events/s for --seconds, delivered (removed) as soon as committed.
    using (var store = OpenStore(o))
    {
        var rate = o.Rate > 0 ? o.Rate : 30;
        var count = (long)(rate * o.Seconds);
        var io0 = WriteBytes();
        var clock = Stopwatch.StartNew();
        var entries = new List<OutboxEntry>();
        long delivered = 0;
        for (long n = 1; n <= count; n++)
        {
            var due = TimeSpan.FromSeconds(n / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            store.Append("edgemobilenet/bench/event", s => Payload(store.StreamId, s, o.PayloadBytes));
            entries.Clear();
            store.Peek(delivered, 1000, entries);
            foreach (var e in entries)
            {
                store.Remove(e.Sequence);
                delivered = e.Sequence;
            }
        }

        await store.FlushAsync(CancellationToken.None);
        var io = WriteBytes() - io0;
        var logical = SegmentFormat.EventRecordSize("edgemobilenet/bench/event".Length, Payload(store.StreamId, 1, o.PayloadBytes).Length);
        Console.WriteLine(string.Create(culture, $"paced: {count} events at {rate}/s over {clock.Elapsed.TotalSeconds:F1} s, delivered as committed: {io / (double)count:F0} bytes written per event (/proc/self/io write_bytes; record {logical} bytes, payload {o.PayloadBytes}) = {io / (double)count / o.PayloadBytes:F2}x the payload, {io / clock.Elapsed.TotalSeconds / 1024:F1} KiB/s"));
    }

    Directory.Delete(o.Dir, recursive: true);
    return 0;
}

static long WriteBytes()
{
    foreach (var line in File.ReadLines("/proc/self/io"))
    {
        if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
        {
            return long.Parse(line.AsSpan(12).Trim(), CultureInfo.InvariantCulture);
        }
    }

    throw new InvalidOperationException("/proc/self/io has no write_bytes");
}

static long FolderBytes(string dir) => new DirectoryInfo(dir).EnumerateFiles().Sum(f => f.Length);

internal sealed record Options(string Dir, long Events, double Rate, int PayloadBytes, int CommitMs, long SegmentBytes, long MaxBytes, long RemoveLag, double Seconds)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]}: expected --key value");
            }

            map[args[i][2..]] = args[i + 1];
        }

        string Get(string key, string fallback) => map.Remove(key, out var v) ? v : fallback;
        T Number<T>(string key, string fallback)
            where T : INumber<T>
        {
            var text = Get(key, fallback);
            return T.TryParse(text, CultureInfo.InvariantCulture, out var v) && v >= T.Zero ? v : throw new ArgumentException($"--{key}: '{text}' is not a non-negative number");
        }

        var dir = Get("dir", "");
        if (dir.Length == 0)
        {
            throw new ArgumentException("--dir: required");
        }

        var o = new Options(
            dir,
            Number<long>("events", "0"),
            Number<double>("rate", "0"),
            Number<int>("payload", "400"),
            Number<int>("commit-ms", "200"),
            Number<long>("segment-kb", "4096") * 1024,
            Number<long>("max-mb", "128") << 20,
            Number<long>("remove-lag", "0"),
            Number<double>("seconds", "20"));
        if (map.Count > 0)
        {
            throw new ArgumentException($"--{map.Keys.First()}: unknown option");
        }

        return o;
    }
}
