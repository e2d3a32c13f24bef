using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Web.Tests.Support;
using Microsoft.Playwright;

namespace EdgeMobileNet.Web.Tests.Browser;

/// <summary>The Captures and Training panels in headless chromium against the demo with a real backbone: label
/// captures by clicking tiles and typing class names, train, read the report, deploy.</summary>
public sealed class LearnPageTests(Chromium chromium)
{
    private const int PerClass = 4;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task GalleryLabelsTrainsShowsTheReportAndDeploys()
    {
        Chromium.Require();
        var backbone = TestAssets.ZooInt8;
        var dir = TestAssets.NewTempDir();
        await using var station = await WebStation.StartAsync(
        [
            "--Capture:Dir", dir, "--Capture:EveryN", "2",
            "--Training:Backbone", backbone, "--Training:Method", "linear", "--Training:Folds", "2",
        ]);
        var (context, page, errors) = await chromium.NewPageAsync(1280, 1400);
        await using var _ = context;
        await page.GotoAsync(station.BaseUrl + "/");
        await Visible(page, "#panel-captures");
        await Visible(page, "#panel-training");
        await Visible(page, "#captures-grid .tile");
        await page.Locator("#panel-captures").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshots.Path("web-captures.png") });

        // Newest first, so new parts keep coming into view; click the tiles of one class, name it, label. The gallery
        // refreshes itself every few seconds until a tile is selected, and new captures arrive all the time: tiles
        // are picked from the grid as it is once no refresh is under way (aria-busy), and the first is clicked in
        // the same step, so the grid the test picked from is the grid it clicks on.
        await page.SelectOptionAsync("#captures-sort", "time");
        var labelled = new Dictionary<string, int> { ["red"] = 0, ["other"] = 0 };
        await WebStation.EventuallyAsync(
            async () =>
            {
                foreach (var cls in labelled.Keys.ToList())
                {
                    if (labelled[cls] >= PerClass)
                    {
                        continue;
                    }

                    var truth = Dataset.Sidecars(Path.Combine(dir, ".inbox"));
                    var ofClass = truth.Where(s => (Dataset.Truth(s.Value) == "red") == (cls == "red")).Select(s => s.Key).ToArray();
                    var wanted = await page.EvaluateAsync<string[]?>(PickAndClickFirst, new object[] { ofClass, PerClass - labelled[cls] });
                    if (wanted is null || wanted.Length == 0)
                    {
                        continue; // a refresh under way, or none of this class on the page yet
                    }

                    foreach (var id in wanted.Skip(1))
                    {
                        await page.ClickAsync($"#captures-grid .tile[data-id='{id}']");
                    }

                    Assert.Equal(wanted.Length, await page.Locator("#captures-grid .tile.selected").CountAsync());
                    await page.FillAsync("#captures-class", cls);
                    await page.ClickAsync("#captures-label");
                    await page.Locator("#captures-note", new PageLocatorOptions { HasTextString = $"label: {wanted.Length} image(s)" }).WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Wait.TotalMilliseconds });
                    labelled[cls] += wanted.Length;
                }

                return labelled.Values.All(n => n >= PerClass);
            },
            TimeSpan.FromMinutes(3),
            $"{PerClass} tiles of each class labelled on the page");
        Assert.Equal(PerClass, Directory.GetFiles(Path.Combine(dir, "red"), "*.jpg").Length);
        Assert.Equal(PerClass, Directory.GetFiles(Path.Combine(dir, "other"), "*.jpg").Length);

        // A class name the station refuses is said on the page, before any request.
        await page.FillAsync("#captures-class", "no/slash");
        await page.ClickAsync("#captures-all");
        await page.ClickAsync("#captures-label");
        await page.Locator("#captures-note", new PageLocatorOptions { HasTextString = "class: 1-64 letters" }).WaitForAsync();

        // Train: progress, then the report with the confusion matrix drawn.
        await page.ClickAsync("#training-start");
        await Visible(page, "#panel-training[data-state=succeeded]", TimeSpan.FromMinutes(5));
        await Visible(page, "#training-confusion");
        Assert.Equal(2, await page.Locator("#training-classes tbody tr").CountAsync());
        Assert.Contains("held-out accuracy", await page.Locator("#training-summary").InnerTextAsync(), StringComparison.Ordinal);
        // The canvas is drawn: not a single colour.
        var colours = await page.EvaluateAsync<int>("() => { const c = document.getElementById('training-confusion'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const s = new Set(); for (let i = 0; i < d.length; i += 64) s.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]); return s.size; }");
        Assert.True(colours > 3, $"confusion canvas has {colours} colours");
        await page.Locator("#panel-training").ScreenshotAsync(new LocatorScreenshotOptions { Path = Screenshots.Path("web-training.png") });

        // Deploy: the model panel follows.
        var trained = (await station.GetJsonAsync("/api/training")).GetProperty("model").GetProperty("sha256").GetString()!;
        await page.ClickAsync("#training-deploy");
        await page.Locator("#training-note", new PageLocatorOptions { HasTextString = "deployed" }).WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Wait.TotalMilliseconds });
        await WebStation.EventuallyAsync(async () => (await page.Locator("#model").InnerTextAsync()).Contains(trained, StringComparison.Ordinal), Wait, "the model panel showing the deployed model");
        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
    }

    /// <summary>In one step of the page: unless the gallery is loading, the first <c>n</c> tiles shown whose ids are
    /// in <c>ids</c>; the first of them is clicked (a selection stops the gallery's own refreshes). Null while a
    /// refresh is under way.</summary>
    private const string PickAndClickFirst = """
        ([ids, n]) => {
          const grid = document.getElementById('captures-grid');
          if (grid.getAttribute('aria-busy') === 'true') return null;
          const wanted = new Set(ids);
          const tiles = [...grid.querySelectorAll('.tile')].filter((t) => wanted.has(t.dataset.id)).slice(0, n);
          if (tiles.length) tiles[0].click();
          return tiles.map((t) => t.dataset.id);
        }
        """;

    private static Task Visible(IPage page, string selector, TimeSpan? timeout = null) =>
        page.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = (float)(timeout ?? Wait).TotalMilliseconds });
}
