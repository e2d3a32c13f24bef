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
