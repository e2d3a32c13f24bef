using System.Text.Json;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Web.Tests.Support;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Chromium))]

namespace EdgeMobileNet.Web.Tests.Browser;

/// <summary>The page in headless chromium against the real demo station.</summary>
public sealed class PageTests(Chromium chromium)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task LiveViewFollowsThePartsWithNoConsoleErrors()
    {
        Chromium.Require();
        await using var station = await WebStation.StartAsync();
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync(station.BaseUrl + "/");
        await Expect(page, "#conn[data-state=live]");

        // The demo's parts pass: the frame shown and its verdict change, reds are rejected, the rest pass.
        var verdicts = new HashSet<string>();
        var numbers = new HashSet<string>();
        await WebStation.EventuallyAsync(
            async () =>
            {
                // One read of the three attributes: the view may change between separate reads.
                var shown = await page.EvaluateAsync<string[]>("() => { const c = document.getElementById('live-canvas'); return [c.dataset.number || '', c.dataset.verdict || '', c.dataset.label || '']; }");
                var (n, v, label) = (shown[0].Length > 0 ? shown[0] : null, shown[1], shown[2]);
                if (n is not null && v is { Length: > 0 })
                {
                    numbers.Add(n);
                    verdicts.Add(v);
                    Assert.Equal(label == "red" ? "reject" : "pass", v);
                }

                return verdicts.Contains("pass") && verdicts.Contains("reject") && numbers.Count >= 5;
            },
            Wait,
            "the live view to show both verdicts");

        // The list, counters, latency chart, health and model panels are filled from the same station.
        await Expect(page, "#events li[data-verdict=reject]");
        await Expect(page, "#events li[data-verdict=pass]");
        await Expect(page, "#health-badge[data-state=running]");
        var state = await StateAsync(station);
        Assert.Contains(state.GetProperty("model").GetProperty("sha256").GetString()!, await page.Locator("#model").InnerTextAsync(), StringComparison.Ordinal);
        await WebStation.EventuallyAsync(async () => int.Parse(await page.Locator("#latency-chart").GetAttributeAsync("data-samples") ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 10, Wait, "latency samples");
        Assert.Matches(@"classified\s*\d+", await page.Locator("#counters").InnerTextAsync());

        // Paused, the view holds the frame it showed; stepping back shows an older one, which stays while results go
        // on. Stepping back comes first: the page keeps the last 30 frames, and the held one leaves that list after
        // 30 more (3 s at Web:FrameRate 10), after which there is nothing older to step to.
        await page.ClickAsync("#live-pause");
        var held = Number(await page.Locator("#live-canvas").GetAttributeAsync("data-number"));
        await page.ClickAsync("#live-prev");
        var older = 0L;
        await WebStation.EventuallyAsync(async () => (older = Number(await page.Locator("#live-canvas").GetAttributeAsync("data-number"))) < held, Wait, "an older frame");
        var before = (await StateAsync(station)).GetProperty("counters").GetProperty("classified").GetInt64();
        await WebStation.EventuallyAsync(async () => (await StateAsync(station)).GetProperty("counters").GetProperty("classified").GetInt64() > before + 5, Wait, "more classifications");
        Assert.Equal(older, Number(await page.Locator("#live-canvas").GetAttributeAsync("data-number")));
        await page.ClickAsync("#live-pause");
        await WebStation.EventuallyAsync(async () => Number(await page.Locator("#live-canvas").GetAttributeAsync("data-number")) > held, Wait, "live again");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("web-desktop.png"), FullPage = true });
        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
    }

    [Fact]
    public async Task FitsAPhoneScreen()
    {
        Chromium.Require();
        await using var station = await WebStation.StartAsync();
        var (context, page, errors) = await chromium.NewPageAsync(390, 844, mobile: true);
        await using var _ = context;
        await page.GotoAsync(station.BaseUrl + "/");
        await Expect(page, "#live-canvas[data-verdict]");
        await Expect(page, "#events li");

        // One column, nothing wider than the screen.
        Assert.True(await page.EvaluateAsync<bool>("() => document.scrollingElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");
        var live = await page.Locator("#live-canvas").BoundingBoxAsync();
        Assert.NotNull(live);
        Assert.True(live.Width is > 300 and <= 390, $"live view is {live.Width} px wide");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.Path("web-phone.png") });
        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
    }

    [Fact]
    public async Task SimulatedTriggerButtonProducesAnEvent()
    {
        Chromium.Require();
        await using var station = await WebStation.StartAsync(["--Trigger:Kind", "gpio", "--Trigger:Pin", "4"]);
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync(station.BaseUrl + "/");
        await Expect(page, "#gpio-trigger:not([hidden])");
        Assert.Equal(0, await page.Locator("#events li").CountAsync());

        await page.ClickAsync("#gpio-trigger");
        await Expect(page, "#events li");
        await Expect(page, "#live-canvas[data-number='1']");
        var events = await station.GetJsonAsync("/api/events?since=0");
        var only = Assert.Single(events.GetProperty("events").EnumerateArray());
        Assert.Equal("gpio", only.GetProperty("trigger").GetString());
        Assert.Equal(1, await page.Locator("#events li").CountAsync());
        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
    }

    [Fact]
    public async Task TokenIsRequiredBeyondLoopback()
    {
        Chromium.Require();
        const string token = "browser-token-0123456789";
        await using var station = await WebStation.StartAsync(bind: "0.0.0.0", token: token);
        var (context, page, _) = await chromium.NewPageAsync();
        await using var __ = context;

        await page.GotoAsync(station.BaseUrl + "/");
        Assert.EndsWith("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#token", "not-the-token");
        await page.ClickAsync("button[type=submit]");
        await Expect(page, "#failed");
        Assert.True(await page.Locator("#failed").IsVisibleAsync());

        await page.FillAsync("#token", token);
        await page.ClickAsync("button[type=submit]");
        await Expect(page, "#conn[data-state=live]");
        await Expect(page, "#live-canvas[data-verdict]");
        Assert.Equal(station.BaseUrl + "/", page.Url);
    }

    [Fact]
    public async Task PageRecoversAfterAStationRestart()
    {
        Chromium.Require();
        var first = await WebStation.StartAsync();
        var port = first.Port;
        var (context, page, _) = await chromium.NewPageAsync();
        await using var __ = context;
        await page.GotoAsync(first.BaseUrl + "/");
        await Expect(page, "#live-canvas[data-verdict]");
        var run1 = (await StateAsync(first)).GetProperty("run").GetString()!;
        await WebStation.EventuallyAsync(async () => (await page.Locator("#health").InnerTextAsync()).Contains(run1, StringComparison.Ordinal), Wait, "run id shown");

        Assert.Equal(0, await first.StopAsync());
        await first.DisposeAsync();
        await Expect(page, "#conn[data-state=lost]");

        await using var second = await WebStation.StartAsync(port: port);
        var run2 = (await StateAsync(second)).GetProperty("run").GetString()!;
        Assert.NotEqual(run1, run2);
        await Expect(page, "#conn[data-state=live]");
        await WebStation.EventuallyAsync(async () => (await page.Locator("#health").InnerTextAsync()).Contains(run2, StringComparison.Ordinal), Wait, "the new run shown");
        // The new run's results replace the old ones: numbering starts again.
        await WebStation.EventuallyAsync(
            async () => long.TryParse(await page.Locator("#events li").Last.GetAttributeAsync("data-number"), out var oldest) && oldest == 1,
            Wait,
            "the list restarted with the new run");
        await Expect(page, "#live-canvas[data-verdict]");
    }

    private static long Number(string? attribute) => long.Parse(attribute ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<JsonElement> StateAsync(WebStation station) =>
        await station.GetJsonAsync("/api/state");

    private static Task Expect(IPage page, string selector) =>
        page.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = (float)Wait.TotalMilliseconds });
}
