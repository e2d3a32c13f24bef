using EdgeMobileNet.Station.Tests.Support;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Http;

/// <summary>Bad `Web:*` settings stop the start with one line naming the key and exit code 2; the page is off
/// outside the demo unless enabled.</summary>
public sealed class WebSettingsTests
{
    [Theory]
    [InlineData("--Web:Urls", "http://0.0.0.0:{port}", "Web:Urls: http://0.0.0.0:{port} is beyond loopback and needs Web:Token or Web:TokenFile")]
    [InlineData("--Web:Urls", "https://127.0.0.1:{port}", "Web:Urls: 'https://127.0.0.1:{port}' is not http://host:port")]
    [InlineData("--Web:Token", "short", "Web:Token: at least 16 characters")]
    [InlineData("--Web:TokenFile", "/nonexistent/token", "Web:TokenFile: file not found: /nonexistent/token")]
    [InlineData("--Web:FrameRate", "0", "Web:FrameRate: 0 is out of range (0, 120]")]
    [InlineData("--Web:Tokn", "0123456789abcdefgh", "Web:Tokn: unknown key (known under Web: Enabled, Urls, Token, TokenFile, RecentEvents, RecentFrames, FrameRate, JpegQuality)")]
    public async Task BadSettingIsOneLineNamingTheKeyAndExitCode2(string key, string value, string message)
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] args = ["run", "--demo", "--Mqtt:Port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), key, value.Replace("{port}", port, StringComparison.Ordinal)];
        var (code, stdout, stderr) = await StationProcess.RunAsync(args, TimeSpan.FromSeconds(60));

        Assert.Equal(2, code);
        Assert.Equal("edgemobilenet: " + message.Replace("{port}", port, StringComparison.Ordinal), stderr.Trim());
        Assert.DoesNotContain("page:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageIsOffWhenDisabled()
    {
        var port = FreePort.Next();
        string[] args = ["run", "--demo", "--max-frames", "20", "--Web:Enabled", "false", "--Web:Urls", $"http://127.0.0.1:{port}", "--Mqtt:Port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)];
        using var process = StationProcess.Start(args);
        // While it classifies, nothing listens on the page's port.
        await WebStation.EventuallyAsync(() => Task.FromResult(process.Stdout.Contains("#5 ", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "five classifications");
        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), TestContext.Current.CancellationToken));
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("page:", process.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDemoTakesAFreePortWhenItsPortIsTaken()
    {
        await using var first = await WebStation.StartAsync();
        using var second = StationProcess.Start(["run", "--demo", "--Web:Urls", first.BaseUrl, "--Mqtt:Port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var page = new System.Text.RegularExpressions.Regex(@"^page: (http://127\.0\.0\.1:\d+)/$", System.Text.RegularExpressions.RegexOptions.Multiline);
        await WebStation.EventuallyAsync(() => Task.FromResult(page.IsMatch(second.Stdout) || second.HasExited), TimeSpan.FromSeconds(60), "the second demo's page");
        Assert.False(second.HasExited, second.Stderr);
        var url = page.Match(second.Stdout).Groups[1].Value;
        Assert.NotEqual(first.BaseUrl, url);
        Assert.Contains("is taken", second.Stderr, StringComparison.Ordinal);
        using var client = new HttpClient();
        using var health = await client.GetAsync(new Uri(url + "/api/state"), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }
}
