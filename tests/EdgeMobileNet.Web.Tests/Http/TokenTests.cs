using System.Net;
using System.Net.Http.Headers;
using EdgeMobileNet.Web.Tests.Support;

namespace EdgeMobileNet.Web.Tests.Http;

/// <summary>Bound beyond loopback (0.0.0.0, reached through 127.0.0.1 only), every endpoint wants the token: as a
/// bearer header, or the cookie the login form sets.</summary>
public sealed class TokenTests
{
    private const string Token = "test-token-0123456789abcdef";

    [Fact]
    public async Task EveryEndpointNeedsTheTokenAsBearerOrLoginCookie()
    {
        await using var station = await WebStation.StartAsync(bind: "0.0.0.0", token: Token);
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(station.BaseUrl) };

        foreach (var path in new[] { "/healthz", "/metrics", "/api/state", "/api/events?since=0", "/api/frame/latest.jpg", "/api/stream" })
        {
            using var denied = await anonymous.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            Assert.Equal("Bearer", denied.Headers.WwwAuthenticate.Single().Scheme);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/state"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
            using var response = await anonymous.SendAsync(wrong, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // The page sends a browser to the login form; the form and its stylesheet are open.
        using (var page = await anonymous.GetAsync(new Uri("/", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/login", page.Headers.Location!.OriginalString);
        }

        using (var login = await anonymous.GetAsync(new Uri("/login", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Contains("name=\"token\"", await login.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var bad = await anonymous.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("token", "nope")]), ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, bad.StatusCode);
            Assert.False(bad.Headers.Contains("Set-Cookie"));
        }

        using var good = await anonymous.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("token", Token)]), ct);
        Assert.Equal(HttpStatusCode.SeeOther, good.StatusCode);
        var cookie = good.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, cookie, StringComparison.Ordinal);

        using (var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/state"))
        {
            withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
            using var response = await anonymous.SendAsync(withCookie, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var bearer = await station.Http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
        Assert.NotEqual(HttpStatusCode.Unauthorized, bearer.StatusCode);
        using var metrics = await station.Http.GetAsync(new Uri("/metrics", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}
