using System.Net;
using EdgeMobileNet.Web.Auth;
using Microsoft.Extensions.Options;

namespace EdgeMobileNet.Web.Hosting;

/// <summary>Rejects bad `Web:*` settings at start, naming the key (the station then exits with code 2).</summary>
internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        var urls = SplitUrls(options.Urls);
        if (urls.Count == 0)
        {
            failures.Add("Web:Urls: empty (give at least one http://host:port)");
        }

        var beyondLoopback = new List<string>();
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                failures.Add($"Web:Urls: '{url}' is not http://host:port");
                continue;
            }

            if (!IsLoopback(uri.Host))
            {
                beyondLoopback.Add(url);
            }
        }

        if (options.Token.Length == 0 && options.TokenFile.Length > 0 && !File.Exists(options.TokenFile))
        {
            failures.Add($"Web:TokenFile: file not found: {options.TokenFile}");
        }
        else if (beyondLoopback.Count > 0 && TokenSource.Read(options) is null)
        {
            failures.Add($"Web:Urls: {string.Join(", ", beyondLoopback)} is beyond loopback and needs Web:Token or Web:TokenFile");
        }
        else if (TokenSource.Read(options) is { Length: < 16 })
        {
            failures.Add("Web:Token: at least 16 characters");
        }

        if (options.RecentEvents is < 1 or > 100_000)
        {
            failures.Add($"Web:RecentEvents: {options.RecentEvents} is out of range 1..100000");
        }

        if (options.RecentFrames < 1 || options.RecentFrames > options.RecentEvents)
        {
            failures.Add($"Web:RecentFrames: {options.RecentFrames} is out of range 1..Web:RecentEvents");
        }

        if (!(options.FrameRate > 0 && options.FrameRate <= 120))
        {
            failures.Add($"Web:FrameRate: {options.FrameRate} is out of range (0, 120]");
        }

        if (options.JpegQuality is < 1 or > 100)
        {
            failures.Add($"Web:JpegQuality: {options.JpegQuality} is out of range 1..100");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> SplitUrls(string urls) =>
        [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    internal static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
