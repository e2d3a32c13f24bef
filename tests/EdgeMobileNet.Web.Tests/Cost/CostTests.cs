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
        // As fast as the classifier goes: every frame, no printing.
        await using var station = await WebStation.StartAsync(["--Source:Rate", "0", "--Trigger:Rate", "0", "--Station:PrintEvents", "false"]);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var closed = new List<double>();
        var open = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            closed.Add(await RateAsync(station));
            var (context, page, _) = await chromium.NewPageAsync();
            await page.GotoAsync(station.BaseUrl + "/");
            await page.Locator("#live-canvas[data-verdict]").WaitForAsync();
            open.Add(await RateAsync(station));
            await context.DisposeAsync();
        }

        var c = closed.Order().ElementAt(1);
        var o = open.Order().ElementAt(1);
        Report($"throughput closed {string.Join(", ", closed.Select(F))} /s, median {F(c)}; open {string.Join(", ", open.Select(F))} /s, median {F(o)}; open/closed {o / c:P1}");
        Assert.True(o >= 0.95 * c, $"page open: {F(o)}/s, closed: {F(c)}/s");
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
        await WebStation.EventuallyAsync(() => Task.FromResult(process.Stderr.Contains("trigger continuous", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the station started");
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
