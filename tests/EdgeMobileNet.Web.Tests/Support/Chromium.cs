using EdgeMobileNet.Tests.Common;
using Microsoft.Playwright;

namespace EdgeMobileNet.Web.Tests.Support;

/// <summary>Debian's chromium, headless, driven by Playwright. One browser for the test assembly; each test gets its
/// own context (cookies, viewport). Locally without chromium the browser tests are skipped; under CI=true they
/// fail (`.ci/run` installs it).</summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("chromium is not running");

    public static void Require()
    {
        if (!File.Exists(ExecutablePath))
        {
            if (TestAssets.IsCi)
            {
                Assert.Fail($"{ExecutablePath} is missing (apt-get install chromium)");
            }

            Assert.Skip($"{ExecutablePath} is not installed");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            return;
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        string[] args = Environment.UserName == "root" ? ["--no-sandbox"] : [];
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = args,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A second chromium on the given CPUs at the lowest priority (`taskset`, `nice -n 19`), for measuring
    /// the station's cost with a page open without the browser competing for the station's CPU.</summary>
    public static async Task<NicedBrowser> LaunchNicedAsync(string cpus)
    {
        var wrapper = Path.Combine(TestAssets.NewTempDir(), "chromium-niced");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec taskset -c {cpus} nice -n 19 {ExecutablePath} \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
        return new NicedBrowser(playwright, browser);
    }

    /// <summary>A page that records console errors and uncaught exceptions.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> NewPageAsync(int width = 1280, int height = 900, bool mobile = false)
    {
        Require();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = mobile,
            HasTouch = mobile,
            DeviceScaleFactor = mobile ? 2 : 1,
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                lock (errors)
                {
                    errors.Add(m.Text);
                }
            }
        };
        page.PageError += (_, e) =>
        {
            lock (errors)
            {
                errors.Add(e);
            }
        };
        return (context, page, errors);
    }
}

/// <summary>A browser with its own Playwright driver; both closed on dispose.</summary>
public sealed class NicedBrowser(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    public Task<IBrowserContext> NewContextAsync() => browser.NewContextAsync();

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
