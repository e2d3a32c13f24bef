using System.Globalization;
using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Cost;

/// <summary>What the page costs the station: inference throughput with the page open and streaming against the
/// page closed (same process, alternating), and resident memory with the web server off, on, and watched.
/// Measurements, so they run on request only: `EDGEMOBILENET_WEB_COST=1 dotnet test --filter CostTests
/// --logger "console;verbosity=detailed"`.</summary>
public sealed class CostTests(Chromium chromium)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ThroughputWithThePageOpenIsWithinFivePercentOfClosed()
    {
        RequireOptIn();
        Chromium.Require();
        // As fast as the classifier goes: every frame, no printing. The whole station on one CPU, so the web server's
        // work (frames, JSON, the stream) competes with the classifier directly: the worst case.
        await using var station = await WebStation.StartAsync(["--Source:Rate", "0", "--Trigger:Rate", "0", "--Station:PrintEvents", "false"], cpus: ["0"]);
        // The browser stands for the operator's phone: on the other CPU, at the lowest priority.
        await using var browser = await Chromium.LaunchNicedAsync("1");
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var closed = new List<double>();
        var open = new List<double>();
        var streamed = new List<double>();
        for (var round = 0; round < 4; round++)
        {
            closed.Add(await RateAsync(station));

            var context = await browser.NewContextAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(station.BaseUrl + "/");
            await page.Locator("#live-canvas[data-verdict]").WaitForAsync();
            open.Add(await RateAsync(station));
            await context.DisposeAsync();

            // The same requests from a client that renders nothing: the stream, and each announced frame.
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var reader = ReadStreamAsync(station, cts.Token);
            streamed.Add(await RateAsync(station));
            await cts.CancelAsync();
            var frames = await reader;
            Assert.True(frames > 0, "the stream announced no frame");
        }

        var c = Median(closed);
        var o = Median(open);
        var s = Median(streamed);
        Report($"classifications/s, {closed.Count} rounds of {Window.TotalSeconds:0} s: page closed {string.Join(", ", closed.Select(F))} (median {F(c)}); page open in chromium {string.Join(", ", open.Select(F))} (median {F(o)}, {o / c:P1} of closed); stream and frames read by a plain client {string.Join(", ", streamed.Select(F))} (median {F(s)}, {s / c:P1} of closed)");
        Assert.True(o >= 0.95 * c, $"page open: {F(o)}/s, closed: {F(c)}/s");
    }

    private static async Task<int> ReadStreamAsync(WebStation station, CancellationToken ct)
    {
        var frames = 0;
        try
        {
            using var stream = await station.Http.GetStreamAsync(new Uri("/api/stream", UriKind.Relative), ct);
            using var lines = new StreamReader(stream);
            var frameEvent = false;
            while (await lines.ReadLineAsync(ct) is { } line)
            {
                if (line == "event: frame")
                {
                    frameEvent = true;
                }
                else if (frameEvent && line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    frameEvent = false;
                    using var doc = System.Text.Json.JsonDocument.Parse(line[6..]);
                    var url = doc.RootElement.GetProperty("url").GetString()!;
                    _ = await station.Http.GetByteArrayAsync(new Uri(url, UriKind.Relative), ct);
                    frames++;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Measured long enough.
        }

        return frames;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [Fact]
    public async Task ResidentMemoryOfTheWebServer()
    {
        RequireOptIn();
        Chromium.Require();
        var off = await RssAsync(["--Web:Enabled", "false"], watch: false);
        var on = await RssAsync([], watch: false);
        var watched = await RssAsync([], watch: true);
        Report($"RSS after 20 s of the demo: web off {off / 1024.0:0.0} MiB, on (page closed) {on / 1024.0:0.0} MiB, page open {watched / 1024.0:0.0} MiB");
    }

    private async Task<long> RssAsync(string[] args, bool watch)
    {
        var port = FreePort.Next();
        using var process = StationProcess.Start(["run", "--demo", "--Web:Urls", $"http://127.0.0.1:{port}", "--Mqtt:Port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--Station:PrintEvents", "false", .. args]);
        await WebStation.EventuallyAsync(() => Task.FromResult(process.Stderr.Contains(args.Length == 0 ? "Web page on" : "Frame source", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the station started");
        Microsoft.Playwright.IBrowserContext? context = null;
        if (watch)
        {
            (context, var page, _) = await chromium.NewPageAsync();
            await page.GotoAsync($"http://127.0.0.1:{port}/");
        }

        await Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        var status = await File.ReadAllLinesAsync($"/proc/{process.Id}/status");
        if (context is not null)
        {
            await context.DisposeAsync();
        }

        process.Terminate();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        return long.Parse(status.Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static async Task<double> RateAsync(WebStation station)
    {
        var a = await ClassifiedAsync(station);
        var started = DateTime.UtcNow;
        await Task.Delay(Window, TestContext.Current.CancellationToken);
        var b = await ClassifiedAsync(station);
        return (b - a) / (DateTime.UtcNow - started).TotalSeconds;
    }

    private static async Task<long> ClassifiedAsync(WebStation station) =>
        (await station.GetJsonAsync("/api/state")).GetProperty("counters").GetProperty("classified").GetInt64();

    private static string F(double v) => v.ToString("0", CultureInfo.InvariantCulture);

    private static void RequireOptIn()
    {
        if (Environment.GetEnvironmentVariable("EDGEMOBILENET_WEB_COST") != "1")
        {
            Assert.Skip("a measurement: set EDGEMOBILENET_WEB_COST=1 to run it");
        }
    }

    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine("cost: " + line);
    }
}
